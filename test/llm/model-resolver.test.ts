// Model resolution over fixture entries: by name, entry id, class (highest priority), `class:` prefix,
// through a snapshot-like find(), and the messages for unknown or invalid entries.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import type { FindFilter } from '../../src/registry/types.js';
import { listModels, modelCard, resolveModel } from '../../src/llm/model-resolver.js';
import { ALL_MODELS, gpt51 } from '../fixtures/llm/models.js';

describe('model resolver', () => {
  it('builds the card of the built-in gpt-5.1 entry', () => {
    expect(resolveModel(ALL_MODELS, 'gpt-5.1')).toEqual({
      id: 'app:gpt-5.1',
      name: 'gpt-5.1',
      title: 'GPT-5.1',
      capabilities: ['generate', 'tool_use', 'thinking'],
      classes: ['reasoning'],
      priority: 210,
      maxTokens: 128000,
      outputTokens: 32768,
      pricing: { input: 2.5, output: 10 },
      providers: [{ id: 'app:openai', providerModel: 'gpt-5.1', options: { reasoning_model_request: true, thinking_effort: 10 } }],
    });
  });

  it('resolves a class to its highest-priority model', () => {
    expect(resolveModel(ALL_MODELS, 'fast').name).toBe('gpt-4.1-nano');
    expect(resolveModel(ALL_MODELS, 'class:fast').name).toBe('gpt-4.1-nano');
    expect(resolveModel(ALL_MODELS, 'compression').name).toBe('gpt-4.1-nano');
    expect(resolveModel([...ALL_MODELS].reverse(), 'fast').name).toBe('gpt-4.1-nano');
  });

  it('prefers an exact name over a class and accepts an entry id', () => {
    expect(resolveModel(ALL_MODELS, 'tiny-fast').name).toBe('tiny-fast');
    expect(resolveModel(ALL_MODELS, 'test:cached-priced').pricing).toEqual({ input: 2, output: 8, cachedInput: 0.5 });
  });

  it('defaults provider_model to the model name', () => {
    expect(resolveModel(ALL_MODELS, 'tiny-fast').providers[0]!.providerModel).toBe('tiny-fast');
  });

  it('works over a snapshot-like find(filter)', () => {
    const filters: FindFilter[] = [];
    const snapshot = {
      find(filter: FindFilter): Entry[] {
        filters.push(filter);
        return ALL_MODELS.filter((e) => e.meta.type === 'llm.model');
      },
    };
    expect(resolveModel(snapshot, 'reasoning').name).toBe('gpt-5.1');
    expect(filters[0]).toEqual({ kind: 'registry.entry', meta: { type: 'llm.model' } });
  });

  it('names the unknown model and the known ones', () => {
    expect(() => resolveModel(ALL_MODELS, 'gpt-9')).toThrow(/Model or class not found: "gpt-9". Known models: cached-priced, gpt-4.1-nano, gpt-5.1/);
    try {
      resolveModel([], 'x');
    } catch (err) {
      expect(err).toMatchObject({ code: 'LLM_ERROR', details: { type: 'model_not_found' } });
    }
  });

  it('rejects an entry without providers, naming the entry', () => {
    const bad: Entry = { ...gpt51, id: 'app:broken', data: { max_tokens: 10 } };
    expect(() => modelCard(bad)).toThrow(/llm.model app:broken: data.providers/);
  });

  it('lists models by priority', () => {
    expect(listModels(ALL_MODELS).slice(0, 3).map((m) => m.name)).toEqual(['gpt-5.1', 'gpt-4.1-nano', 'tiny-fast']);
  });
});

describe('model cards of registry entries', () => {
  it('a frozen entry (as the registry hands them out) is validated once and its card is shared read-only', () => {
    const entry = Object.freeze(structuredClone(gpt51)) as Entry;
    const first = modelCard(entry);
    expect(modelCard(entry)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.providers[0]!.options)).toBe(true);
    expect(() => {
      (first as { maxTokens: number }).maxTokens = 1;
    }).toThrow(TypeError);
  });

  it('a changed entry (a new object) gets a new card', () => {
    const before = Object.freeze(structuredClone(gpt51)) as Entry;
    const after = Object.freeze({ ...structuredClone(gpt51), data: { ...(gpt51.data as object), max_tokens: 64_000 } }) as Entry;
    expect(modelCard(before).maxTokens).not.toBe(64_000);
    expect(modelCard(after).maxTokens).toBe(64_000);
  });
});
