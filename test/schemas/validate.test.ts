// Tests of kind-specific entry validation: what each known kind accepts and what it refuses, and how
// problems name the field, the expectation and the value given.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { isKnownKind, knownKinds, validateEntry } from '../../schemas/validate.js';

const e = (kind: string, data: unknown, meta: Record<string, unknown> = {}, id = 'app:x'): Entry => ({ id, kind, meta, data });

function issues(entry: Entry): string[] {
  const r = validateEntry(entry);
  return r.ok ? [] : r.issues;
}

describe('knownKinds', () => {
  it('lists the kinds micro-agi validates and nothing else', () => {
    expect([...knownKinds].sort()).toEqual([
      'env.storage.os', 'function.js', 'function.lua', 'ns.definition', 'ns.dependency',
      'process.host', 'process.lua', 'registry.entry', 'security.policy',
    ]);
    expect(isKnownKind('function.lua')).toBe(true);
    expect(isKnownKind('http.endpoint')).toBe(false);
    expect(isKnownKind('toString')).toBe(false);
  });
});

describe('validateEntry', () => {
  it('accepts an unknown kind with any data (base shape only)', () => {
    expect(validateEntry(e('http.endpoint', { anything: [1, 2] }))).toEqual({ ok: true });
  });

  it('still refuses a malformed id whatever the kind', () => {
    expect(issues(e('function.lua', { source: 'x' }, {}, 'no-colon'))[0]).toMatch(/^id: entry id must be/);
  });

  it('function.lua / function.js: source required, modules a list of names, limits typed and closed', () => {
    const ok = { source: 'return {}', method: 'handler', modules: ['json', 'http_client'], imports: { lib: 'app.lib:util' }, limits: { timeout_ms: 500, memory_mb: 16 } };
    expect(validateEntry(e('function.lua', ok))).toEqual({ ok: true });
    expect(validateEntry(e('function.js', { source: 'export function handler() {}' }))).toEqual({ ok: true });
    expect(issues(e('function.lua', { method: 'handler' }))).toEqual(['data.source: Invalid input: expected string, received undefined']);
    expect(issues(e('function.js', { source: 'x', modules: 'json' }))).toEqual(['data.modules: Invalid input: expected array, received string']);
    expect(issues(e('function.lua', { source: 'x', modules: ['app:json'] }))[0]).toMatch(/^data\.modules\.0: expected a module name.*\(got "app:json"\)$/);
    expect(issues(e('function.lua', { source: 'x', limits: { timeout_ms: -1 } }))[0]).toMatch(/^data\.limits\.timeout_ms: .*\(got -1\)$/);
    expect(issues(e('function.lua', { source: 'x', limits: { cpu: 3 } }))[0]).toMatch(/^data\.limits: Unrecognized key: "cpu"/);
    expect(issues(e('function.lua', { source: 'x', imports: { lib: 'nocolon' } }))[0]).toMatch(/^data\.imports\.lib: expected an entry id/);
  });

  it('process.lua requires source and method', () => {
    expect(validateEntry(e('process.lua', { source: 'x', method: 'main', modules: ['io'] }))).toEqual({ ok: true });
    expect(issues(e('process.lua', { source: 'x' }))).toEqual(['data.method: Invalid input: expected string, received undefined']);
  });

  it('security.policy: effect allow|deny, non-empty actions/resources, conditions need a value', () => {
    const policy = { actions: '*', resources: ['app:*'], effect: 'deny', conditions: [{ field: 'actor.id', operator: 'eq', value: 'x' }] };
    expect(validateEntry(e('security.policy', { policy, groups: ['g'] }))).toEqual({ ok: true });
    expect(issues(e('security.policy', { policy: { ...policy, effect: 'maybe' } }))[0]).toMatch(/^data\.policy\.effect: .*"allow"\|"deny".*\(got "maybe"\)$/);
    expect(issues(e('security.policy', { policy: { ...policy, actions: [] } }))[0]).toMatch(/^data\.policy\.actions: /);
    expect(issues(e('security.policy', { policy: { ...policy, conditions: [{ field: 'a', operator: 'eq' }] } }))[0]).toMatch(/value" or "value_from/);
    expect(issues(e('security.policy', { policy: { ...policy, conditions: [{ field: 'a', operator: 'like', value: 1 }] } }))[0]).toMatch(/^data\.policy\.conditions\.0\.operator: /);
    expect(issues(e('security.policy', { groups: ['g'] }))[0]).toMatch(/^data\.policy: .*expected object/);
  });

  it('ns.definition, ns.dependency, env.storage.os and process.host check their typed fields', () => {
    expect(validateEntry(e('ns.definition', { readme: '# hi' }))).toEqual({ ok: true });
    expect(issues(e('ns.definition', { module: 5 }))[0]).toMatch(/^data\.module: .*expected string, received number/);
    expect(validateEntry(e('ns.dependency', { component: 'wippy/llm', parameters: [{ name: 'env_storage', value: 'app:os_env' }] }))).toEqual({ ok: true });
    expect(issues(e('ns.dependency', { version: '1' }))[0]).toMatch(/^data\.component: /);
    expect(validateEntry(e('env.storage.os', {}))).toEqual({ ok: true });
    expect(issues(e('env.storage.os', { prefix: 1 }))[0]).toMatch(/^data\.prefix: /);
    expect(validateEntry(e('process.host', { lifecycle: { auto_start: true } }))).toEqual({ ok: true });
    expect(issues(e('process.host', { lifecycle: { auto_start: 'yes' } }))[0]).toMatch(/^data\.lifecycle\.auto_start: .*expected boolean/);
  });

  it('registry.entry agent.gen1: prompt, model, tool selectors as strings or {id, alias}', () => {
    const meta = { type: 'agent.gen1', name: 'dev' };
    const data = { prompt: 'be terse', model: 'gpt-5.1', max_tokens: 2048, tools: ['app.tools:*', { id: 'app.tools:x', alias: 'y', description: 'd' }], thinking_effort: 10 };
    expect(validateEntry(e('registry.entry', data, meta))).toEqual({ ok: true });
    expect(issues(e('registry.entry', { ...data, model: undefined }, meta))[0]).toMatch(/^data\.model: /);
    expect(issues(e('registry.entry', { ...data, max_tokens: '2048' }, meta))[0]).toMatch(/^data\.max_tokens: .*expected number, received string/);
    expect(issues(e('registry.entry', { ...data, tools: [42] }, meta))[0]).toMatch(/^data\.tools\.0: .*\(got 42\)$/);
    expect(issues(e('registry.entry', { ...data, temperature: 7 }, meta))[0]).toMatch(/^data\.temperature: /);
  });

  it('registry.entry llm.model uses the LLM schemas; other meta.types are free-form', () => {
    const meta = { type: 'llm.model', name: 'm', class: ['fast'] };
    const data = { max_tokens: 1000, output_tokens: 100, pricing: { input: 1, output: 2 }, providers: [{ id: 'app:openai' }] };
    expect(validateEntry(e('registry.entry', data, meta))).toEqual({ ok: true });
    expect(issues(e('registry.entry', { ...data, providers: [] }, meta))[0]).toMatch(/^data\.providers: /);
    expect(issues(e('registry.entry', data, { type: 'llm.model' }))[0]).toMatch(/^meta\.name: /);
    expect(validateEntry(e('registry.entry', 'any data', { type: 'application' }))).toEqual({ ok: true });
  });

  it('returns problems as data with the field path', () => {
    const r = validateEntry(e('function.lua', { source: 1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual([{ path: ['data', 'source'], message: 'Invalid input: expected string, received number' }]);
  });
});
