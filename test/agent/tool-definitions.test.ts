// Tool compilation for the model (wippy-agent-llm.md §4.3): selectors, names from llm_alias or the id,
// description priority, JSON-string schemas (unparseable ones not offered), the empty-schema placeholder,
// name collisions; plus the generated-tool index caps and the provider environment filter.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { providerEnv } from '../../src/agent/agent-env.js';
import { compileTools } from '../../src/agent/tool-definitions.js';
import { generatedToolIndex } from '../../src/agent/tool-index.js';
import { sanitizeToolName } from '../../src/agent/tool-name.js';
import { PLACEHOLDER_PROPERTY } from '../../src/agent/tool-schema.js';
import * as calls from '../../src/agent/tool-call-state.js';
import { createRegistry } from '../../src/registry/registry.js';
import { newActor } from '../../src/security/actors.js';
import { MemoryStore } from '../../src/store/memory-store.js';

function tool(id: string, meta: Record<string, unknown> = {}, kind = 'function.lua'): Entry {
  return { id, kind, meta: { type: 'tool', ...meta }, data: { source: 'return {}' } };
}

async function snapshotOf(entries: Entry[]) {
  const registry = await createRegistry({ store: new MemoryStore(), base: entries });
  return registry.current();
}

describe('compileTools', () => {
  it('expands ns:* selectors to that namespace\'s tools, sorted, and offers definitions sorted by name', async () => {
    const snap = await snapshotOf([
      tool('t:zeta', { llm_alias: 'alpha' }),
      tool('t:beta'),
      tool('t.sub:hidden'),
      { id: 't:not_a_tool', kind: 'function.lua', meta: { type: 'library' }, data: { source: 'return {}' } },
      { id: 't:model', kind: 'registry.entry', meta: { type: 'tool' }, data: {} },
    ]);
    const set = compileTools(snap, ['t:*'], []);
    expect(set.definitions.map((d) => d.name)).toEqual(['alpha', 'beta']);
    expect(set.byName.get('alpha')!.entryId).toBe('t:zeta');
  });

  it('names tools by selector alias, then llm_alias, then the sanitised id tail', async () => {
    const snap = await snapshotOf([tool('t:GetHTTPStatus-code'), tool('t:x', { llm_alias: 'has spaces!' }), tool('t:y', { llm_alias: 'why' })]);
    const set = compileTools(snap, ['t:GetHTTPStatus-code', 't:x', { id: 't:y', alias: 'renamed' }], []);
    expect([...set.byName.keys()].sort()).toEqual(['get_http_status_code', 'has_spaces', 'renamed']);
    expect(sanitizeToolName('__Weird..Name__')).toBe('weird_name');
  });

  it('takes the description from the selector, llm_description, description, llm_descirtion, then comment', async () => {
    const snap = await snapshotOf([
      tool('t:a', { llm_description: 'LLM', description: 'D', comment: 'C' }),
      tool('t:b', { description: 'D', comment: 'C' }),
      tool('t:c', { llm_descirtion: 'typo', comment: 'C' }),
      tool('t:d', { comment: 'C' }),
      tool('t:e', { comment: 'C' }),
    ]);
    const set = compileTools(snap, ['t:a', 't:b', 't:c', 't:d', { id: 't:e', description: 'S' }], []);
    expect(set.definitions.map((d) => d.description)).toEqual(['LLM', 'D', 'typo', 'C', 'S']);
  });

  it('parses JSON-string schemas, injects the placeholder into empty ones and does not offer unparseable ones', async () => {
    const snap = await snapshotOf([
      tool('t:full', { input_schema: '{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}' }),
      tool('t:empty', { input_schema: '{"type":"object","properties":{}}' }),
      tool('t:none'),
      tool('t:object_schema', { input_schema: { type: 'object', properties: { n: { type: 'number' } } } }),
      tool('t:broken', { input_schema: '{"type": "object", "properties": ' }),
      tool('t:array', { input_schema: '{"type":"array"}' }),
    ]);
    const set = compileTools(snap, ['t:*'], []);
    const schema = (n: string) => set.definitions.find((d) => d.name === n)?.schema;
    expect(schema('full')).toEqual({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] });
    expect(schema('empty')).toEqual({ type: 'object', properties: { placeholder: PLACEHOLDER_PROPERTY } });
    expect(schema('none')).toEqual({ type: 'object', properties: { placeholder: PLACEHOLDER_PROPERTY } });
    expect(schema('object_schema')).toEqual({ type: 'object', properties: { n: { type: 'number' } } });
    expect(schema('broken')).toBeUndefined();
    expect(schema('array')).toBeUndefined();
    expect(set.skipped.map((s) => s.id).sort()).toEqual(['t:array', 't:broken']);
    expect(set.skipped.find((s) => s.id === 't:broken')!.reason).toContain('not valid JSON');
  });

  it('adds loaded tools after the selected ones; a name already taken keeps its first holder', async () => {
    const snap = await snapshotOf([tool('app.tools:load_tool', { llm_alias: 'load_tool' }), tool('app.generated:evil', { llm_alias: 'load_tool' }), tool('app.generated:good')]);
    const set = compileTools(snap, ['app.tools:*'], ['app.generated:evil', 'app.generated:good', 'app.generated:missing']);
    expect(set.byName.get('load_tool')!.entryId).toBe('app.tools:load_tool');
    expect(set.byName.get('good')!.entryId).toBe('app.generated:good');
    expect(set.skipped.map((s) => s.id)).toEqual(['app.generated:evil', 'app.generated:missing']);
  });
});

describe('generatedToolIndex', () => {
  it('is empty without generated tools and caps entries with an "N more" line, newest first', async () => {
    const registry = await createRegistry({ store: new MemoryStore(), base: [] });
    expect(generatedToolIndex(registry)).toBe('');
    for (let i = 0; i < 40; i++) {
      await registry.apply(registry.current().changes().create(tool(`app.generated:t${String(i).padStart(2, '0')}`, { llm_description: `Tool ${i}.\nmore` })), {
        actor: newActor('test:fixture'),
      });
    }
    const index = generatedToolIndex(registry);
    const lines = index.split('\n');
    expect(lines[1]).toBe('- app.generated:t39: Tool 39.');
    expect(lines.filter((l) => l.startsWith('- '))).toHaveLength(30);
    expect(lines.at(-1)).toBe('10 more: use registry_list with namespace app.generated.');
    const small = generatedToolIndex(registry, { maxChars: 300 });
    expect(small.length).toBeLessThanOrEqual(300);
    expect(small.split('\n').at(-1)).toMatch(/^\d+ more: use registry_list/);
  });

  it('orders by the last write, not by id: an updated old tool comes first; base tools (version 0) last', async () => {
    const base = ['app.generated:zz_base', 'app.generated:aa_base'].map((id) => tool(id, { llm_description: 'base' }));
    const registry = await createRegistry({ store: new MemoryStore(), base });
    const actor = newActor('test:fixture');
    for (let i = 0; i < 40; i++) {
      await registry.apply(registry.current().changes().create(tool(`app.generated:t${String(i).padStart(2, '0')}`, { llm_description: `Tool ${i}.` })), { actor });
    }
    await registry.apply(registry.current().changes().update(tool('app.generated:t05', { llm_description: 'Tool 5, again.' })), { actor });
    await registry.apply(registry.current().changes().update(tool('app.generated:t20', { llm_description: 'Tool 20, again.' })), { actor });
    const listed = (maxEntries: number): string[] =>
      generatedToolIndex(registry, { maxEntries, maxChars: 10_000 })
        .split('\n')
        .filter((l) => l.startsWith('- '))
        .map((l) => l.slice(2, l.indexOf(': ')));
    expect(listed(4)).toEqual(['app.generated:t20', 'app.generated:t05', 'app.generated:t39', 'app.generated:t38']);
    expect(listed(100).slice(-3)).toEqual(['app.generated:t00', 'app.generated:aa_base', 'app.generated:zz_base']);
    expect(listed(100)).toHaveLength(42);
    expect(generatedToolIndex(registry, { maxEntries: 4, maxChars: 10_000 }).split('\n').at(-1)).toBe('38 more: use registry_list with namespace app.generated.');
  });
});

describe('providerEnv', () => {
  it('keeps OPENAI_* and the variables llm.provider entries name, nothing else', async () => {
    const snap = await snapshotOf([
      { id: 'p:local', kind: 'registry.entry', meta: { type: 'llm.provider' }, data: { driver: { options: { api_key_env: 'LOCAL_KEY', base_url_env: 'LOCAL_URL' } } } },
    ]);
    const env = providerEnv({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'u', LOCAL_KEY: 'lk', AWS_SECRET: 'no', PATH: '/bin' }, snap);
    expect(env).toEqual({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'u', LOCAL_KEY: 'lk' });
  });
});

describe('tool call states', () => {
  it('moves pending -> running -> done and refuses transitions out of a final state', () => {
    const info = { id: 'c', name: 'n', arguments: {}, rawArguments: '{}' };
    const running = calls.start(calls.pending(info), 's1');
    expect(running).toMatchObject({ status: 'running', serviceCallId: 's1' });
    const done = calls.succeed(running, 42);
    expect(done).toMatchObject({ status: 'done', value: 42 });
    expect(() => calls.cancel(done, { type: 'canceled', message: 'x' })).toThrow(/cannot go from done to canceled/);
    expect(() => calls.succeed(calls.pending(info), 1)).toThrow(/cannot go from pending to done/);
    expect(calls.fail(calls.pending(info), { type: 'unknown_tool', message: 'm' }).status).toBe('failed');
  });
});
