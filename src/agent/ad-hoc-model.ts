// `--model NAME` for a model with no llm.model entry (e.g. `llama3.1` on Ollama): an ad-hoc model card
// that sends NAME to the provider of the agent's configured model, as a plain chat model with unknown pricing.
import type { Entry } from '../../schemas/entry.js';
import { resolveModel } from '../llm/model-resolver.js';
import type { ModelSource } from '../llm/model-resolver.js';
import type { Snapshot } from '../registry/types.js';

const MODEL_FILTER = { kind: 'registry.entry', meta: { type: 'llm.model' } } as const;

function knows(entries: readonly Entry[], name: string): boolean {
  try {
    resolveModel(entries, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The model entries the LLM layer resolves from: the registry's, plus one ad-hoc entry named `override`
 * when no entry, id or class matches it. The ad-hoc entry copies the context window and provider id of
 * `configured` (the agent's own model), drops provider options (reasoning flags a local server may
 * reject) and prices nothing: /cost then shows tokens with $0.
 */
export function modelsWithOverride(current: () => Snapshot, configured: string, override: string | undefined): () => ModelSource {
  // Snapshots are immutable: the entries are computed once per registry version, not on every resolve.
  let lastSnapshot: Snapshot | undefined;
  let lastSource: ModelSource | undefined;
  return () => {
    const snapshot = current();
    if (snapshot === lastSnapshot && lastSource !== undefined) return lastSource;
    lastSource = sourceOf(snapshot, configured, override);
    lastSnapshot = snapshot;
    return lastSource;
  };
}

function sourceOf(snapshot: Snapshot, configured: string, override: string | undefined): ModelSource {
  const entries = snapshot.find(MODEL_FILTER);
  if (override === undefined || knows(entries, override)) return entries;
  const base = resolveModel(entries, configured);
  const baseEntry = snapshot.get(base.id);
  const data = (baseEntry?.data ?? {}) as Record<string, unknown>;
  const adHoc: Entry = {
    id: 'app:ad-hoc-model',
    kind: 'registry.entry',
    meta: {
      type: 'llm.model',
      name: override,
      title: override,
      comment: `ad-hoc model from --model, served by the provider of ${base.name}`,
      capabilities: ['generate', 'tool_use'],
      class: [],
      priority: 0,
    },
    data: {
      max_tokens: base.maxTokens,
      output_tokens: base.outputTokens,
      pricing: { input: 0, output: 0 },
      providers: [{ id: base.providers[0]!.id, provider_model: override }],
      ...(data['dimensions'] !== undefined ? { dimensions: data['dimensions'] } : {}),
    },
  };
  return [...entries, adHoc];
}
