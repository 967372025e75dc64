// Reads an agent.gen1 entry into the spec the step loop uses (prompt, model, limits, tool selectors),
// by id or by meta.name; a missing or malformed agent fails with CONFIG_INVALID naming the entry and field.
import { AGENT_DEFAULT_MAX_TOKENS, AgentGen1DataGuard, type ToolSelector } from '../../schemas/kinds/agent-gen1.js';
import type { Entry } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import type { Snapshot } from '../registry/types.js';

export interface AgentSpec {
  readonly id: string;
  readonly name: string;
  readonly prompt: string;
  /** Model name or class (after the override). */
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature?: number;
  /** Sent only when > 0. */
  readonly thinkingEffort?: number;
  readonly tools: readonly ToolSelector[];
  /** Static facts appended to the system prompt. */
  readonly memory: readonly string[];
}

function findAgent(snapshot: Snapshot, idOrName: string): Entry | undefined {
  const byId = snapshot.get(idOrName);
  if (byId) return byId;
  return snapshot.find({ kind: 'registry.entry', meta: { type: 'agent.gen1', name: idOrName } })[0];
}

export function loadAgentSpec(snapshot: Snapshot, idOrName: string, modelOverride?: string): AgentSpec {
  const entry = findAgent(snapshot, idOrName);
  if (!entry) throw new AppError('CONFIG_INVALID', `agent "${idOrName}" not found: no agent.gen1 entry with that id or meta.name`, { agent: idOrName });
  if (entry.meta.type !== 'agent.gen1') {
    throw new AppError('CONFIG_INVALID', `${entry.id} is not an agent: meta.type is ${JSON.stringify(entry.meta.type)}, expected "agent.gen1"`, { agent: entry.id });
  }
  const parsed = AgentGen1DataGuard.safeParse(entry.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('CONFIG_INVALID', `agent ${entry.id}: ${issue.path.join('.') || 'data'}: ${issue.message}`, { agent: entry.id });
  }
  const d = parsed.data;
  return {
    id: entry.id,
    name: typeof entry.meta.name === 'string' ? entry.meta.name : entry.id,
    prompt: d.prompt,
    model: modelOverride ?? d.model,
    maxTokens: d.max_tokens ?? AGENT_DEFAULT_MAX_TOKENS,
    ...(d.temperature !== undefined ? { temperature: d.temperature } : {}),
    ...(d.thinking_effort !== undefined && d.thinking_effort > 0 ? { thinkingEffort: d.thinking_effort } : {}),
    tools: d.tools ?? [],
    memory: d.memory ?? [],
  };
}

/** The system prompt of a step: the agent prompt, its memory, then the generated-tool index. */
export function systemPrompt(spec: AgentSpec, toolIndex: string): string {
  const parts = [spec.prompt.trim()];
  if (spec.memory.length > 0) parts.push(`## Your memory contains:\n${spec.memory.map((m) => `- ${m}`).join('\n')}`);
  if (toolIndex) parts.push(toolIndex);
  return parts.join('\n\n');
}
