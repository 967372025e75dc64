// Small zod building blocks shared by the kind schemas: entry-id references, string-or-list fields.
// Kept here so every kind spells ids, module names and selectors the same way.
import { z } from 'zod';
import { parseEntryId } from '../entry.js';

/** A fully qualified registry id, `ns:name`. */
export const EntryRefSchema = z.string().refine((s) => parseEntryId(s) !== undefined, {
  message: 'expected an entry id "namespace:name"',
});

/** A `require` name granted to a tool: no namespace, no path. */
export const ModuleNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
  message: 'expected a module name such as "json" or "http_client"',
});

/** A non-empty string or a non-empty list of non-empty strings (Wippy's `actions:` / `resources:`). */
export const StringOrListSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A plain mapping (YAML map / JSON object). */
export const RecordSchema = z.record(z.string(), z.unknown());
