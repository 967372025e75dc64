// One agent session inside the agent process: its registry view, LLM, agent spec, conversation, the
// tools loaded during the session, the compiled tool set and the generated-tool index of the system prompt.
import { randomUUID } from 'node:crypto';
import type { ToolCallContext } from '../../schemas/messages/agent.js';
import { Conversation, createLlm, type ConversationMessage, type Llm } from '../llm/index.js';
import { openAppRegistry } from '../registry/open-app-registry.js';
import type { Registry, Snapshot } from '../registry/types.js';
import { logger } from '../log/logger.js';
import type { AgentArgs } from './agent-args.js';
import { loadAgentSpec, systemPrompt, type AgentSpec } from './agent-spec.js';
import { compileTools, type ToolSet } from './tool-definitions.js';
import { generatedToolIndex } from './tool-index.js';
import { modelsWithOverride } from './ad-hoc-model.js';

const log = logger('agent.session');

export interface SessionLimits {
  readonly maxSteps: number;
  /** Share of the context window that triggers compression. */
  readonly compressAt: number;
  /** Target characters of a compressed conversation. */
  readonly compressChars: number;
}

export class AgentSession {
  readonly id = randomUUID();
  readonly registry: Registry;
  readonly llm: Llm;
  readonly spec: AgentSpec;
  readonly limits: SessionLimits;
  conversation = new Conversation();
  #loaded: string[] = [];
  #tools: ToolSet;
  /** What #tools was compiled from: a snapshot (immutable) and the loaded ids at that time. */
  #toolsFrom: { snapshot: Snapshot; loaded: number } | undefined;
  #toolIndex: string;
  /** The snapshot #toolIndex was read from (the index changes only with a new registry version). */
  #toolIndexFrom: Snapshot;
  readonly #warned = new Set<string>();

  constructor(registry: Registry, llm: Llm, spec: AgentSpec, limits: SessionLimits) {
    this.registry = registry;
    this.llm = llm;
    this.spec = spec;
    this.limits = limits;
    this.#tools = this.#compile();
    this.#toolIndexFrom = registry.current();
    this.#toolIndex = generatedToolIndex(registry);
  }

  get tools(): ToolSet {
    return this.#tools;
  }

  /** Entry ids loaded into this session (load_tool), in load order. */
  get loadedTools(): readonly string[] {
    return this.#loaded;
  }

  addLoadedTools(ids: readonly string[]): void {
    for (const id of ids) if (!this.#loaded.includes(id)) this.#loaded.push(id);
  }

  /** Pull other processes' registry writes and recompile the offered tools. */
  async refreshTools(): Promise<ToolSet> {
    await this.registry.refresh();
    this.#tools = this.#compile();
    return this.#tools;
  }

  /** The tool set of the current snapshot and loaded ids; recompiled only when either changed (loaded ids only grow). */
  #compile(): ToolSet {
    const snapshot = this.registry.current();
    const from = this.#toolsFrom;
    if (from && from.snapshot === snapshot && from.loaded === this.#loaded.length) return this.#tools;
    const set = compileTools(snapshot, this.spec.tools, this.#loaded);
    this.#toolsFrom = { snapshot, loaded: this.#loaded.length };
    for (const s of set.skipped) {
      const key = `${s.id}\n${s.reason}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      log.warn({ agent: this.spec.id, tool: s.id, reason: s.reason }, 'tool not offered to the model');
    }
    return set;
  }

  systemPrompt(): string {
    return systemPrompt(this.spec, this.#toolIndex);
  }

  /** What one step sends: the system prompt, then the conversation. */
  messages(): ConversationMessage[] {
    return [{ role: 'system', content: this.systemPrompt() }, ...this.conversation.messages()];
  }

  /** The context window of the agent's model, in tokens. */
  contextWindow(): number {
    return this.llm.resolve(this.spec.model).maxTokens;
  }

  toolContext(turn: number, prompt: string): ToolCallContext {
    return { session: this.id, turn, prompt, agent: this.spec.id, loaded_tools: [...this.#tools.byName.keys()].sort() };
  }

  /** Forget the conversation (loaded tools stay) and re-read the generated-tool index. */
  async reset(): Promise<void> {
    this.conversation = new Conversation();
    const snapshot = await this.registry.refresh();
    if (snapshot === this.#toolIndexFrom) return;
    this.#toolIndexFrom = snapshot;
    this.#toolIndex = generatedToolIndex(this.registry);
  }

  async close(): Promise<void> {
    await this.registry.close();
  }
}

/** Open the registry on the shared store, the LLM, and the agent named in `args`. Throws AppError on bad config. */
export async function openAgentSession(args: AgentArgs): Promise<AgentSession> {
  const { registry } = await openAppRegistry(args.appDir, args.home);
  try {
    const configured = loadAgentSpec(registry.current(), args.agentId).model;
    const models = modelsWithOverride(() => registry.current(), configured, args.model);
    const llm = createLlm({ models, env: args.env });
    const spec = loadAgentSpec(registry.current(), args.agentId, args.model);
    llm.resolve(spec.model); // an unknown model fails the start, naming the known ones
    return new AgentSession(registry, llm, spec, {
      maxSteps: args.maxSteps,
      compressAt: args.compressAt ?? 0.75,
      compressChars: args.compressChars ?? 4000,
    });
  } catch (err) {
    await registry.close();
    throw err;
  }
}
