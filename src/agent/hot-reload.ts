// Hot reload: which finished calls loaded a tool (a `load_tool` call whose result says loaded = true),
// and applying them to the session: add the ids, re-read the registry, re-offer, announce each tool.
import type { FinalToolCallState } from './tool-call-state.js';
import type { EmitEvent } from './agent-events.js';
import type { AgentSession } from './agent-session.js';

export const LOAD_TOOL_NAME = 'load_tool';

/** Entry ids loaded by this step's calls, in call order, without duplicates. */
export function loadedToolIds(finals: readonly FinalToolCallState[]): string[] {
  const ids: string[] = [];
  for (const f of finals) {
    if (f.status !== 'done' || f.call.name !== LOAD_TOOL_NAME) continue;
    const v = f.value as { loaded?: unknown; id?: unknown } | null;
    if (v && typeof v === 'object' && v.loaded === true && typeof v.id === 'string' && !ids.includes(v.id)) ids.push(v.id);
  }
  return ids;
}

/** Add the loaded tools to the session and rebuild its tool set (the conversation is kept). */
export async function applyHotReload(session: AgentSession, ids: readonly string[], turn: number, emit: EmitEvent): Promise<void> {
  if (ids.length === 0) return;
  session.addLoadedTools(ids);
  const tools = await session.refreshTools();
  for (const id of ids) {
    const offered = [...tools.byName.values()].find((t) => t.entryId === id);
    if (offered) {
      emit({ type: 'tool_loaded', turn, id, alias: offered.name });
      continue;
    }
    const why = tools.skipped.find((s) => s.id === id)?.reason ?? `${id} could not be offered`;
    emit({ type: 'error', turn, error: { type: 'tool_not_offered', message: why } });
  }
}
