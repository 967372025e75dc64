// Compiles an agent's tool selectors plus the session's loaded tools into what the model is offered:
// ToolDefinitions sorted by name and the name -> registry entry map used to dispatch calls.
import type { Entry } from '../../schemas/entry.js';
import type { ToolSelector } from '../../schemas/kinds/agent-gen1.js';
import type { ToolDefinition } from '../llm/index.js';
import type { Snapshot } from '../registry/types.js';
import { errorMessage } from '../errors/app-error.js';
import { llmToolDescription, llmToolName } from './tool-name.js';
import { inputCheck, type InputCheck } from './tool-input-check.js';
import { toolSchemaFrom } from './tool-schema.js';

const TOOL_KINDS: ReadonlySet<string> = new Set(['function.lua', 'function.js']);

export interface OfferedTool {
  readonly name: string;
  readonly entryId: string;
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
  /** Checks a call's arguments against the schema before the tool runs (built on first use). */
  readonly checkInput: InputCheck;
}

export interface SkippedTool {
  readonly id: string;
  readonly reason: string;
}

export interface ToolSet {
  /** What the model is offered, sorted by name. */
  readonly definitions: readonly ToolDefinition[];
  readonly byName: ReadonlyMap<string, OfferedTool>;
  /** Selected entries not offered, with the reason (bad schema, not a tool, name taken...). */
  readonly skipped: readonly SkippedTool[];
}

interface Candidate {
  readonly id: string;
  readonly entry: Entry | undefined;
  readonly alias?: string;
  readonly description?: string;
  readonly schema?: unknown;
}

function expand(snapshot: Snapshot, selector: ToolSelector, skipped: SkippedTool[]): Candidate[] {
  const spec = typeof selector === 'string' ? { id: selector } : selector;
  if (!spec.id.includes('*')) {
    return [{
      id: spec.id,
      entry: snapshot.get(spec.id),
      ...(typeof selector === 'object' && selector.alias ? { alias: selector.alias } : {}),
      ...(typeof selector === 'object' && selector.description ? { description: selector.description } : {}),
      ...(typeof selector === 'object' && selector.schema !== undefined ? { schema: selector.schema } : {}),
    }];
  }
  let found: Entry[];
  try {
    found = snapshot.select(spec.id);
  } catch (err) {
    skipped.push({ id: spec.id, reason: errorMessage(err) });
    return [];
  }
  return found
    .filter((e) => TOOL_KINDS.has(e.kind) && e.meta.type === 'tool')
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((e) => ({ id: e.id, entry: e }));
}

/**
 * Checks by entry: an entry object outlives the snapshots that share it, so a write elsewhere in the
 * registry (every create_tool) does not rebuild the checks of the tools it left alone.
 */
const checksByEntry = new WeakMap<Entry, InputCheck>();

function checkFor(e: Entry, c: Candidate, name: string, schema: { input: Record<string, unknown>; unchecked: readonly string[] }): InputCheck {
  const build = () => inputCheck(name, schema.input, schema.unchecked);
  // A selector's own alias or schema makes the check the selector's, not the entry's.
  if (c.alias !== undefined || c.schema !== undefined) return build();
  let check = checksByEntry.get(e);
  if (!check) checksByEntry.set(e, (check = build()));
  return check;
}

/** Offer the agent's selected tools, then the session's loaded tool ids; the first holder of a name keeps it. */
export function compileTools(snapshot: Snapshot, selectors: readonly ToolSelector[], loaded: readonly string[]): ToolSet {
  const skipped: SkippedTool[] = [];
  const candidates: Candidate[] = [...selectors.flatMap((s) => expand(snapshot, s, skipped)), ...loaded.map((id) => ({ id, entry: snapshot.get(id) }))];
  const byName = new Map<string, OfferedTool>();
  const offeredIds = new Set<string>();
  for (const c of candidates) {
    if (offeredIds.has(c.id)) continue;
    const e = c.entry;
    if (!e) {
      skipped.push({ id: c.id, reason: `no entry ${c.id} in the registry` });
      continue;
    }
    if (!TOOL_KINDS.has(e.kind)) {
      skipped.push({ id: c.id, reason: `${c.id} is a ${e.kind}, not a function.lua or function.js tool` });
      continue;
    }
    if (e.meta.type !== 'tool') {
      skipped.push({ id: c.id, reason: `${c.id} has meta.type ${JSON.stringify(e.meta.type)}, not "tool"` });
      continue;
    }
    const schema = toolSchemaFrom(c.schema !== undefined ? c.schema : e.meta.input_schema);
    if (!schema.ok) {
      skipped.push({ id: c.id, reason: `${c.id}: ${schema.reason}` });
      continue;
    }
    const name = llmToolName(e.id, e.meta, c.alias);
    const holder = byName.get(name);
    if (holder) {
      skipped.push({ id: c.id, reason: `${c.id}: the tool name "${name}" is already taken by ${holder.entryId}` });
      continue;
    }
    byName.set(name, {
      name,
      entryId: e.id,
      description: llmToolDescription(e.meta, c.description),
      schema: schema.schema,
      checkInput: checkFor(e, c, name, schema),
    });
    offeredIds.add(c.id);
  }
  const definitions = [...byName.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t): ToolDefinition => ({ name: t.name, ...(t.description ? { description: t.description } : {}), schema: t.schema }));
  return { definitions, byName, skipped };
}
