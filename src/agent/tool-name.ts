// The name a tool has for the model (wippy-agent-llm.md §4.3): selector alias, else meta.llm_alias, else
// the id's last segment sanitised to snake_case; every name is forced into OpenAI's [a-zA-Z0-9_-]{1,64}.
const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** `fooBar.Baz-qux` -> `foo_bar_baz_qux`: non-alphanumerics to `_`, CamelCase split, `__` collapsed, edges trimmed. */
export function sanitizeToolName(raw: string): string {
  const tail = raw.includes(':') ? raw.slice(raw.lastIndexOf(':') + 1) : raw;
  const snake = tail
    .replace(/[^A-Za-z0-9]/g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (snake || 'tool').slice(0, 64);
}

/** The model-facing name of an entry offered through a selector. */
export function llmToolName(entryId: string, meta: Readonly<Record<string, unknown>>, alias?: string): string {
  const chosen = alias ?? (typeof meta.llm_alias === 'string' && meta.llm_alias !== '' ? meta.llm_alias : undefined);
  if (chosen !== undefined) return VALID_NAME.test(chosen) ? chosen : sanitizeToolName(chosen);
  return sanitizeToolName(entryId);
}

/** The description the model reads: selector description, llm_description, description, llm_descirtion (sic), comment. */
export function llmToolDescription(meta: Readonly<Record<string, unknown>>, override?: string): string {
  if (override) return override;
  for (const key of ['llm_description', 'description', 'llm_descirtion', 'comment']) {
    const v = meta[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return '';
}
