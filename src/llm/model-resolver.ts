// Finds llm.model entries by name, entry id, or class (highest priority wins) and turns them into
// ModelCards. Works over a plain entry list or anything with a registry-style `find(filter)`.
import type { Entry } from '../../schemas/entry.js';
import type { FindFilter } from '../registry/types.js';
import { AppError } from '../errors/app-error.js';
import {
  LLM_MODEL_TYPE,
  LlmModelDataSchema,
  LlmModelMetaSchema,
  MODEL_DEFAULT_CONTEXT_TOKENS,
  MODEL_DEFAULT_OUTPUT_TOKENS,
  type ModelCard,
} from '../../schemas/kinds/llm-model.js';

/** Where models come from: an entry list or a registry snapshot. */
export type ModelSource = readonly Entry[] | { find(filter: FindFilter): Entry[] };

const MODEL_FILTER: FindFilter = { kind: 'registry.entry', meta: { type: LLM_MODEL_TYPE } };

function modelEntries(source: ModelSource): Entry[] {
  if (Array.isArray(source)) {
    return (source as readonly Entry[]).filter((e) => e.kind === 'registry.entry' && e.meta?.type === LLM_MODEL_TYPE);
  }
  return (source as { find(filter: FindFilter): Entry[] }).find(MODEL_FILTER);
}

const asList = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The card of one llm.model entry; throws AppError REGISTRY_INVALID_ENTRY naming the entry and field. */
/** Cards by entry object: registry entries are frozen and replaced (never mutated) when they change. */
const cards = new WeakMap<Entry, ModelCard>();

/** The card of an llm.model entry, validated once per entry object. */
export function modelCard(entry: Entry): ModelCard {
  let card = cards.get(entry);
  if (!card) {
    card = deepFreeze(buildModelCard(entry));
    if (Object.isFrozen(entry)) cards.set(entry, card);
  }
  return card;
}

/** Shared cards are read-only, so no caller can change another's. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function buildModelCard(entry: Entry): ModelCard {
  const meta = LlmModelMetaSchema.safeParse(entry.meta);
  const data = LlmModelDataSchema.safeParse(entry.data);
  const bad = !meta.success ? { where: 'meta', err: meta.error } : !data.success ? { where: 'data', err: data.error } : undefined;
  if (bad) {
    const issue = bad.err.issues[0]!;
    throw new AppError('REGISTRY_INVALID_ENTRY', `llm.model ${entry.id}: ${bad.where}.${issue.path.join('.')}: ${issue.message}`, {
      id: entry.id,
    });
  }
  const m = meta.data!;
  const d = data.data!;
  const card: ModelCard = {
    id: entry.id,
    name: m.name,
    ...(m.title !== undefined ? { title: m.title } : {}),
    ...(m.comment !== undefined ? { description: m.comment } : {}),
    capabilities: m.capabilities ?? [],
    classes: asList(m.class),
    priority: m.priority ?? 0,
    maxTokens: d.max_tokens ?? MODEL_DEFAULT_CONTEXT_TOKENS,
    outputTokens: d.output_tokens ?? MODEL_DEFAULT_OUTPUT_TOKENS,
    pricing: {
      input: d.pricing?.input ?? 0,
      output: d.pricing?.output ?? 0,
      ...(d.pricing?.cached_input !== undefined ? { cachedInput: d.pricing.cached_input } : {}),
    },
    providers: d.providers.map((p) => ({ id: p.id, providerModel: p.provider_model ?? m.name, options: { ...(p.options ?? {}) } })),
  };
  return card;
}

function byClass(entries: readonly Entry[], cls: string): Entry | undefined {
  let best: Entry | undefined;
  let bestPriority = -Infinity;
  for (const e of entries) {
    if (!asList(e.meta.class).includes(cls)) continue;
    const p = typeof e.meta.priority === 'number' ? e.meta.priority : 0;
    if (p > bestPriority) {
      best = e;
      bestPriority = p;
    }
  }
  return best;
}

/**
 * Resolve `identifier` (Wippy order): `class:X` → best of class X; else an exact `meta.name`; else an
 * entry id (`ns:name`); else a class name. Throws AppError LLM_ERROR (details.type model_not_found).
 */
export function resolveModel(source: ModelSource, identifier: string): ModelCard {
  const entries = modelEntries(source);
  let found: Entry | undefined;
  if (identifier.startsWith('class:')) {
    found = byClass(entries, identifier.slice('class:'.length));
  } else {
    found = entries.find((e) => e.meta.name === identifier) ?? entries.find((e) => e.id === identifier) ?? byClass(entries, identifier);
  }
  if (!found) {
    const names = entries.map((e) => String(e.meta.name)).sort();
    throw new AppError(
      'LLM_ERROR',
      `Model or class not found: "${identifier}". Known models: ${names.length ? names.join(', ') : '(none: add a registry.entry with meta.type llm.model)'}.`,
      { type: 'model_not_found', model: identifier },
    );
  }
  return modelCard(found);
}

/** Every model card, highest priority first (skips nothing: invalid entries throw). */
export function listModels(source: ModelSource): ModelCard[] {
  return modelEntries(source)
    .map(modelCard)
    // code-unit order, not localeCompare: that would load ICU (~20-36 ms, +8 MB) at every agent start
    .sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
