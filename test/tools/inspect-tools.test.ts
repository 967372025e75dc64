// load_tool, registry_list and registry_read through the real isolate pool on the built-in app: found /
// not found (with suggestions) / not a tool, list filters and query, an entry with its history length.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
  const make = (name: string, description: string, source = 'return { handler = function() return 1 end }') =>
    h.value('app.tools:create_tool', { name, description, source });
  await make('word_count', 'Counts the words of a text');
  await make('word_count', 'Counts the words of a text (v2)');
  await make('current_time', 'Current UTC time as RFC3339');
});
afterAll(async () => {
  await h?.close();
});

describe('load_tool', () => {
  it('loads an existing tool', async () => {
    expect(await h.value('app.tools:load_tool', { id: 'app.generated:word_count' })).toEqual({
      loaded: true,
      id: 'app.generated:word_count',
      alias: 'word_count',
      description: 'Counts the words of a text (v2)',
    });
  });

  it('suggests close generated ids for a missing one', async () => {
    const out = await h.value('app.tools:load_tool', { id: 'app.generated:word_cont' });
    expect(out).toEqual({
      error: 'not found: app.generated:word_cont; did you mean app.generated:word_count?',
      suggestions: ['app.generated:word_count'],
    });
    const far = await h.value('app.tools:load_tool', { id: 'app.generated:zzzzzzzzzz' });
    expect(far.error).toMatch(/^not found: app\.generated:zzzzzzzzzz; create it with create_tool/);
    expect(far.suggestions).toBeUndefined();
  });

  it('refuses an entry that is not a tool, and a missing id argument', async () => {
    expect(await h.value('app.tools:load_tool', { id: 'app:gpt-5.1' })).toEqual({
      error: "not a tool (meta.type != 'tool'): app:gpt-5.1 is a registry.entry",
    });
    expect((await h.value('app.tools:load_tool', {})).error).toContain('provide the tool id');
  });
});

describe('registry_list', () => {
  it('lists one compact line per entry, sorted by id, filtered by namespace', async () => {
    const out = await h.value('app.tools:registry_list', { namespace: 'app.generated' });
    expect(out).toEqual({
      total: 2,
      entries: [
        'app.generated:current_time  function.lua  current_time — Current UTC time as RFC3339',
        'app.generated:word_count  function.lua  word_count — Counts the words of a text (v2)',
      ],
    });
  });

  it('filters by meta type and kind glob', async () => {
    const tools = await h.value('app.tools:registry_list', { type: 'tool', kind: 'function.*' });
    const ids = (tools.entries as string[]).map((l) => l.split('  ')[0]);
    expect(ids).toEqual([
      'app.generated:current_time',
      'app.generated:word_count',
      'app.tools:create_tool',
      'app.tools:doc_search',
      'app.tools:load_tool',
      'app.tools:registry_list',
      'app.tools:registry_read',
    ]);
    const policies = await h.value('app.tools:registry_list', { kind: 'security.policy' });
    expect(policies.entries).toEqual([
      'app:deny_core_ns  security.policy — Generated code may not touch the app namespace.',
      'app:deny_tools_ns  security.policy — Generated code may not replace the built-in tools.',
    ]);
  });

  it('matches query case-insensitively against id, alias and description, and honours limit', async () => {
    const byDescription = await h.value('app.tools:registry_list', { query: 'RFC3339' });
    expect(byDescription.entries).toEqual(['app.generated:current_time  function.lua  current_time — Current UTC time as RFC3339']);
    const byId = await h.value('app.tools:registry_list', { query: 'GPT-4.1' });
    expect(byId.total).toBe(1);
    expect((byId.entries as string[])[0]).toMatch(/^app:gpt-4\.1-nano  registry\.entry — /);
    const limited = await h.value('app.tools:registry_list', { type: 'tool', limit: 2 });
    expect(limited.entries).toHaveLength(2);
    expect(limited.total).toBe(7);
    expect(limited.truncated).toBe('showing 2 of 7; narrow with kind, namespace, type or query');
    expect((await h.value('app.tools:registry_list', { limit: 0 })).error).toContain('limit must be a whole number');
  });
});

describe('registry_read', () => {
  it('returns the entry with its source and the length of its history', async () => {
    const out = await h.value('app.tools:registry_read', { id: 'app.generated:word_count' });
    expect(out).toMatchObject({
      id: 'app.generated:word_count',
      kind: 'function.lua',
      meta: { type: 'tool', llm_alias: 'word_count' },
      data: { source: 'return { handler = function() return 1 end }', method: 'handler' },
      versions: 2,
    });
    const builtin = await h.value('app.tools:registry_read', { id: 'app.tools:load_tool' });
    expect(String((builtin.data as { source: string }).source)).toContain('local function handler(input)');
  });

  it('names a missing or malformed id', async () => {
    expect(await h.value('app.tools:registry_read', { id: 'app.generated:nope' })).toEqual({
      error: 'not found: app.generated:nope; list entries with registry_list',
    });
    expect((await h.value('app.tools:registry_read', { id: 'nope' })).error).toContain('invalid id "nope"');
  });
});
