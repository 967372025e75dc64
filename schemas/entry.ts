// The registry entry: `{ id: "ns:name", kind, meta, data }`, and the id grammar shared by every layer.
// Kind-specific schemas (schemas/kinds/*) refine `data` and `meta` per kind.
import { z } from 'zod';

/** A dotted namespace: `app`, `app.tools`, `app.generated`. */
export const NAMESPACE_RE = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
/** An entry name inside a namespace (Wippy allows dots and dashes, e.g. `gpt-5.1`, `__dep.llm`). */
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export const EntryIdSchema = z.string().refine((s) => parseEntryId(s) !== undefined, {
  message: 'entry id must be "namespace:name", e.g. "app.tools:doc_search"',
});

export const MetaSchema = z.record(z.string(), z.unknown());

export const EntrySchema = z.object({
  id: EntryIdSchema,
  kind: z.string().min(1),
  meta: MetaSchema,
  data: z.unknown(),
});

export type Meta = Record<string, unknown>;

export interface Entry {
  readonly id: string;
  readonly kind: string;
  readonly meta: Meta;
  readonly data: unknown;
}

export interface EntryId {
  ns: string;
  name: string;
}

/** Split "ns:name"; undefined when malformed. */
export function parseEntryId(id: string): EntryId | undefined {
  const i = id.indexOf(':');
  if (i <= 0 || i !== id.lastIndexOf(':')) return undefined;
  const ns = id.slice(0, i);
  const name = id.slice(i + 1);
  if (!NAMESPACE_RE.test(ns) || !NAME_RE.test(name)) return undefined;
  return { ns, name };
}

export function formatEntryId(ns: string, name: string): string {
  return `${ns}:${name}`;
}

/** Namespace of a well-formed id. */
export function namespaceOf(id: string): string {
  return id.slice(0, id.indexOf(':'));
}
