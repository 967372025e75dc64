// The short index of already generated tools added to the system prompt at session start, so the model
// reuses a tool before rebuilding it: newest first, first description line, capped in entries and size.
import type { Entry } from '../../schemas/entry.js';
import { firstIndexWhere } from '../registry/bisect.js';
import type { Registry } from '../registry/types.js';

export const GENERATED_NAMESPACE = 'app.generated';

export interface ToolIndexOptions {
  /** Namespace of generated tools (default app.generated). */
  readonly namespace?: string;
  /** Most entries listed (default 30). */
  readonly maxEntries?: number;
  /** Most characters of the whole index (default 2000). */
  readonly maxChars?: number;
}

function firstLine(text: unknown): string {
  if (typeof text !== 'string') return '';
  const line = text.trim().split('\n', 1)[0]!.trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

interface Ranked {
  readonly entry: Entry;
  readonly version: number;
}

/** Newest first; the same version (one changeset) by id. */
const newerFirst = (a: Ranked, b: Ranked): number => b.version - a.version || (a.entry.id < b.entry.id ? -1 : 1);

/** Insert `item` into `top` (sorted by newerFirst) and keep at most `limit` items. */
function keepNewest(top: Ranked[], item: Ranked, limit: number): void {
  if (limit <= 0 || (top.length >= limit && newerFirst(item, top[top.length - 1]!) >= 0)) return;
  top.splice(firstIndexWhere(top, (t) => newerFirst(t, item) > 0), 0, item);
  if (top.length > limit) top.pop();
}

/** The index text, or '' when there are no generated tools. */
export function generatedToolIndex(registry: Pick<Registry, 'current' | 'lastChanged'>, options: ToolIndexOptions = {}): string {
  const ns = options.namespace ?? GENERATED_NAMESPACE;
  const maxEntries = options.maxEntries ?? 30;
  const maxChars = options.maxChars ?? 2000;
  // The newest maxEntries only (a library of thousands is not sorted for 30 lines); `count` is all of them.
  const tools: Ranked[] = [];
  let count = 0;
  for (const entry of registry.current().namespace(ns)) {
    if ((entry.kind !== 'function.lua' && entry.kind !== 'function.js') || entry.meta.type !== 'tool') continue;
    count++;
    keepNewest(tools, { entry, version: registry.lastChanged(entry.id) }, maxEntries);
  }
  if (count === 0) return '';
  const header = `Generated tools that already exist (newest first). Reuse one with load_tool before building a new one:`;
  const moreLine = (n: number): string => `${n} more: use registry_list with namespace ${ns}.`;
  const reserve = moreLine(count).length + 1;
  const lines: string[] = [];
  let size = header.length;
  for (const { entry } of tools) {
    if (lines.length >= maxEntries) break;
    const desc = firstLine(entry.meta.llm_description ?? entry.meta.description ?? entry.meta.comment);
    const line = `- ${entry.id}${desc ? `: ${desc}` : ''}`;
    // keep room for the "N more" line
    if (size + line.length + 1 + reserve > maxChars) break;
    lines.push(line);
    size += line.length + 1;
  }
  const more = count - lines.length;
  if (more > 0) lines.push(moreLine(more));
  return [header, ...lines].join('\n');
}
