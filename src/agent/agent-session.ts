// One agent session inside the agent process: its registry view, LLM, agent spec, conversation, the
// tools loaded during the session, the compiled tool set and the generated-tool index of the system prompt.
import { randomUUID } from 'node:crypto';
import type { ToolCallContext } from '../../schemas/messages/agent.js';
import type { Resume } from '../../schemas/saved-session.js';
import { Conversation, CostMeter, createLlm, dryFetch, type ConversationMessage, type Llm } from '../llm/index.js';
import { acquireAppRegistry } from '../registry/shared-app-registry.js';
import type { Registry, Snapshot } from '../registry/types.js';
import { logger } from '../log/logger.js';
import type { AgentArgs } from './agent-args.js';
import { loadAgentSpec, systemPrompt, type AgentSpec } from './agent-spec.js';
import { compileTools, type ToolSet } from './tool-definitions.js';
import { generatedToolIndex } from './tool-index.js';
import { DEFAULT_MAX_RESULT_CHARS } from './tool-result-json.js';
import { modelsWithOverride } from './ad-hoc-model.js';

const log = logger('agent.session');

export interface SessionLimits {
  readonly maxSteps: number;
  /** Share of the context window that triggers compression. */
  readonly compressAt: number;
  /** Target characters of a compressed conversation. */
  readonly compressChars: number;
  /** Characters of one tool result the model gets (longer ones are cut with a note). */
  readonly maxResultChars: number;
}

/** Builds the LLM view and agent spec for a model name (undefined: the agent's own), metering into `meter`. */
export type ModelBinder = (model: string | undefined, meter: CostMeter) => { readonly llm: Llm; readonly spec: AgentSpec };

export class AgentSession {
  readonly id = randomUUID();
  readonly registry: Registry;
  readonly limits: SessionLimits;
  #llm: Llm;
  #spec: AgentSpec;
  /** The session's usage across every model it used. */
  readonly #meter: CostMeter;
  readonly #bind: ModelBinder | undefined;
  conversation = new Conversation();
  #loaded: string[] = [];
  #tools: ToolSet;
  /** What #tools was compiled from: a snapshot (immutable) and the loaded ids at that time. */
  #toolsFrom: { snapshot: Snapshot; loaded: number } | undefined;
  #toolIndex: string;
  /** The snapshot #toolIndex was read from (the index changes only with a new registry version). */
  #toolIndexFrom: Snapshot;
  readonly #warned = new Set<string>();

  constructor(registry: Registry, llm: Llm, spec: AgentSpec, limits: SessionLimits, models?: { readonly meter: CostMeter; readonly bind: ModelBinder }) {
    this.registry = registry;
    this.#llm = llm;
    this.#spec = spec;
    this.limits = limits;
    this.#meter = models?.meter ?? new CostMeter();
    this.#bind = models?.bind;
    this.#tools = this.#compile();
    this.#toolIndexFrom = registry.current();
    this.#toolIndex = toolIndexOf(registry, this.#toolIndexFrom);
  }

  get tools(): ToolSet {
    return this.#tools;
  }

  get llm(): Llm {
    return this.#llm;
  }

  get spec(): AgentSpec {
    return this.#spec;
  }

  /** The name of the model the next turn uses. */
  modelName(): string {
    return this.#llm.resolve(this.#spec.model).name;
  }

  /**
   * Answer the next turns with `model` (a model entry, id, class, or a name the provider is sent as-is).
   * The conversation, the loaded tools and the usage so far stay. Throws (AppError) for a model that cannot
   * be resolved; the session is then unchanged.
   */
  useModel(model: string): void {
    if (!this.#bind) throw new Error('this session was opened without a model binder');
    const next = this.#bind(model, this.#meter);
    next.llm.resolve(next.spec.model);
    this.#llm = next.llm;
    this.#spec = next.spec;
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
    const set = compiledTools(snapshot, this.spec, this.#loaded);
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

  /**
   * Go on from a saved conversation: its messages, and the tools it had loaded that still exist (a removed
   * one is left out with a warning in the log).
   */
  async resume(saved: Resume): Promise<void> {
    this.conversation = Conversation.from(saved.messages);
    const snapshot = await this.registry.refresh();
    const kept = saved.loaded.filter((id) => snapshot.has(id));
    if (kept.length < saved.loaded.length) log.warn({ missing: saved.loaded.filter((id) => !snapshot.has(id)) }, 'loaded tools of the saved conversation no longer exist');
    this.addLoadedTools(kept);
    await this.refreshTools();
  }

  /** Forget the conversation (loaded tools stay) and re-read the generated-tool index. */
  async reset(): Promise<void> {
    this.conversation = new Conversation();
    const snapshot = await this.registry.refresh();
    if (snapshot === this.#toolIndexFrom) return;
    this.#toolIndexFrom = snapshot;
    this.#toolIndex = toolIndexOf(this.registry, snapshot);
  }

  async close(): Promise<void> {
    await this.registry.close();
  }
}

/** A session's own view of a shared Llm: generate and resolve go through it, usage() counts this session's steps only. */
function meteredLlm(shared: Llm, meter: CostMeter): Llm {
  const metered = async (outcome: ReturnType<Llm['generate']>): ReturnType<Llm['generate']> => {
    const o = await outcome;
    if (o.ok) meter.add(o.response.model, o.response.tokens, o.response.cost);
    return o;
  };
  return {
    resolve: (model) => shared.resolve(model),
    generate: (input, request) => metered(shared.generate(input, request)),
    model(name) {
      const bound = shared.model(name);
      return { card: bound.card, generate: (input, request) => metered(bound.generate(input, request)) };
    },
    usage: () => meter.snapshot(),
  };
}

/**
 * What sessions of one thread share (shared placement: many agent processes on a host thread). Snapshots
 * are immutable, so what is derived from one snapshot alone is computed once per thread: the generated-tool
 * index and the compiled tool sets (keyed by the agent's selectors and the loaded ids).
 */
const toolIndexes = new WeakMap<Snapshot, string>();
const toolSets = new WeakMap<Snapshot, Map<string, ToolSet>>();
const agentSpecs = new WeakMap<Snapshot, Map<string, AgentSpec>>();

/** loadAgentSpec once per (snapshot, agent, model override): checking the entry's data is the costly part. A failure is not kept. */
function agentSpecOf(snapshot: Snapshot, agentId: string, model?: string): AgentSpec {
  let specs = agentSpecs.get(snapshot);
  if (!specs) agentSpecs.set(snapshot, (specs = new Map()));
  const key = model === undefined ? agentId : `${agentId}\n${model}`;
  let spec = specs.get(key);
  if (!spec) specs.set(key, (spec = loadAgentSpec(snapshot, agentId, model)));
  return spec;
}

function toolIndexOf(registry: Registry, snapshot: Snapshot): string {
  // registry.current() is `snapshot` here: the index reads the registry's head and its history.
  let index = toolIndexes.get(snapshot);
  if (index === undefined || registry.current() !== snapshot) {
    index = generatedToolIndex(registry);
    if (registry.current() === snapshot) toolIndexes.set(snapshot, index);
  }
  return index;
}

function compiledTools(snapshot: Snapshot, spec: AgentSpec, loaded: readonly string[]): ToolSet {
  let sets = toolSets.get(snapshot);
  if (!sets) toolSets.set(snapshot, (sets = new Map()));
  const key = `${JSON.stringify(spec.tools)}\n${loaded.join('\n')}`;
  let set = sets.get(key);
  if (!set) sets.set(key, (set = compileTools(snapshot, spec.tools, loaded)));
  return set;
}

export interface OpenSessionOptions {
  /**
   * Keep the registry open this long after the last session of this thread closes, for the next one
   * (default 0: closed with the session). Shared-placement agent processes set it; see shared-app-registry.ts.
   */
  readonly keepRegistryIdleMs?: number;
}

/**
 * Open the registry on the shared store (joining this thread's open one for the same home and app), the LLM,
 * and the agent named in `args`. Throws AppError on bad config. The conversation, the loaded tools and the
 * LLM's usage meter are the session's own.
 */
export async function openAgentSession(args: AgentArgs, options: OpenSessionOptions = {}): Promise<AgentSession> {
  const lease = await acquireAppRegistry(args.appDir, args.home, {
    ...(options.keepRegistryIdleMs !== undefined ? { keepIdleMs: options.keepRegistryIdleMs } : {}),
  });
  const { registry } = lease;
  try {
    // Opened earlier on this thread (a prepared start, the previous batch prompt): the generated-tool index
    // below must include what other processes wrote since.
    if (lease.joined) await registry.refresh();
    const configured = agentSpecOf(registry.current(), args.agentId).model;
    const bind: ModelBinder = (model, meter) => {
      // The LLM client (providers, HTTP clients, the model source) is shared by the sessions of this thread
      // with the same model settings; each session meters its own usage through its own wrapper.
      const key = JSON.stringify(['llm', configured, model ?? null, args.env, args.dry ?? false]);
      let shared = lease.cache.get(key) as Llm | undefined;
      if (!shared) {
        const models = modelsWithOverride(() => registry.current(), configured, model);
        shared = createLlm({ models, env: args.env, ...(args.dry ? { fetch: dryFetch } : {}) });
        lease.cache.set(key, shared);
      }
      return { llm: meteredLlm(shared, meter), spec: agentSpecOf(registry.current(), args.agentId, model) };
    };
    const meter = new CostMeter();
    const { llm, spec } = bind(args.model, meter);
    llm.resolve(spec.model); // an unknown model fails the start, naming the known ones
    return new AgentSession(
      registry,
      llm,
      spec,
      {
        maxSteps: args.maxSteps,
        compressAt: args.compressAt ?? 0.75,
        compressChars: args.compressChars ?? 4000,
        maxResultChars: args.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS,
      },
      { meter, bind },
    );
  } catch (err) {
    await registry.close();
    throw err;
  }
}
