// Tests of the Wippy-format loader on the built-in app and on the fixture apps in test/fixtures/apps.
// Broken fixtures must fail with a stable code and a message naming file, line and entry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/registry/loader.js';
import { builtinAppDir } from '../../src/paths.js';
import { createRegistry } from '../../src/registry/registry.js';
import { AGENT_ACTOR } from '../../src/security/actors.js';
import { namedScope } from '../../src/security/named-scope.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'apps');

/** 1-based line of the first line of `file` containing `text`. */
function lineWith(file: string, text: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

async function loadError(dir: string): Promise<{ code: string; message: string }> {
  try {
    await loadDefinitions(dir, { logWarnings: false });
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error(`loading ${dir} did not fail`);
}

describe('loadDefinitions on the built-in Micro AGI app', () => {
  it('loads every entry with its kind', async () => {
    const r = await loadDefinitions(builtinAppDir(), { logWarnings: false });
    const kinds = Object.fromEntries(r.entries.map((e) => [e.id, e.kind]));
    expect(kinds).toEqual({
      'app:definition': 'ns.definition',
      'app:os_env': 'env.storage.os',
      'app:processes': 'process.host',
      'app:deny_core_ns': 'security.policy',
      'app:deny_tools_ns': 'security.policy',
      'app:openai': 'registry.entry',
      'app:gpt-5.1': 'registry.entry',
      'app:gpt-4.1-nano': 'registry.entry',
      'app:dev_assistant': 'registry.entry',
      'app.tools:doc_search': 'function.lua',
      'app.tools:registry_list': 'function.lua',
      'app.tools:registry_read': 'function.lua',
      'app.tools:create_tool': 'function.lua',
      'app.tools:load_tool': 'function.lua',
    });
    expect(r.warnings).toEqual([]);
    expect(r.sources.get('app.tools:load_tool')?.file).toBe(join(builtinAppDir(), 'tools', '_index.yaml'));
  });

  it('replaces file:// sources with the Lua files and merges the shared tool meta', async () => {
    const r = await loadDefinitions(builtinAppDir(), { logWarnings: false });
    for (const name of ['doc_search', 'registry_list', 'registry_read', 'create_tool', 'load_tool']) {
      const e = r.entries.find((x) => x.id === `app.tools:${name}`)!;
      const data = e.data as { source: string; method: string; modules: string[] };
      expect(data.source).toBe(readFileSync(join(builtinAppDir(), 'tools', `${name}.lua`), 'utf8'));
      expect(data.source).toContain('return { handler = handler }');
      expect(data.method).toBe('handler');
      expect(e.meta.type).toBe('tool');
      expect(e.meta.llm_alias).toBe(name);
      expect(JSON.parse(e.meta.input_schema as string).type).toBe('object');
    }
    const create = r.entries.find((x) => x.id === 'app.tools:create_tool')!;
    expect((create.data as { modules: string[] }).modules).toEqual(['json', 'security', 'tools', 'ctx']);
  });

  it('declares the two deny policies of group agent_security, the models and the agent', async () => {
    const r = await loadDefinitions(builtinAppDir(), { logWarnings: false });
    const byId = new Map(r.entries.map((e) => [e.id, e]));
    expect(byId.get('app:deny_core_ns')!.data).toEqual({
      policy: { actions: '*', resources: 'app:*', effect: 'deny' },
      groups: ['agent_security'],
    });
    expect((byId.get('app:deny_tools_ns')!.data as { policy: unknown }).policy).toEqual({
      actions: '*',
      resources: 'app.tools:*',
      effect: 'deny',
    });
    const gpt = byId.get('app:gpt-5.1')!;
    expect(gpt.meta).toMatchObject({ type: 'llm.model', name: 'gpt-5.1', class: ['reasoning'] });
    expect(gpt.data).toMatchObject({
      max_tokens: 128000,
      output_tokens: 32768,
      pricing: { input: 2.5, output: 10 },
      providers: [{ id: 'app:openai', provider_model: 'gpt-5.1', options: { reasoning_model_request: true, thinking_effort: 10 } }],
    });
    expect(byId.get('app:gpt-4.1-nano')!.meta.class).toEqual(['fast', 'compression']);
    const agent = byId.get('app:dev_assistant')!;
    expect(agent.meta.type).toBe('agent.gen1');
    const data = agent.data as { model: string; max_tokens: number; tools: string[]; prompt: string };
    expect(data).toMatchObject({ model: 'gpt-5.1', max_tokens: 2048, tools: ['app.tools:*'] });
    expect(data.prompt).toMatch(/Never fabricate/);
    expect(data.prompt).toMatch(/Never say "I can't"/);
    expect(data.prompt).toMatch(/doc_search[\s\S]*create_tool[\s\S]*load_tool[\s\S]*All in one turn/);
  });

  it('gives the registry a named scope app:agent_security made of the two deny policies', async () => {
    const r = await loadDefinitions(builtinAppDir(), { logWarnings: false });
    const registry = await createRegistry({ store: new MemoryStore(), base: r.entries });
    try {
      const scope = namedScope(registry.current(), 'app:agent_security');
      expect(scope.policies.map((p) => p.id).sort()).toEqual(['app:deny_core_ns', 'app:deny_tools_ns']);
      expect(scope.evaluate(AGENT_ACTOR, 'registry.update.function.lua', 'app.tools:load_tool')).toBe('deny');
      expect(scope.evaluate(AGENT_ACTOR, 'registry.create.registry.entry', 'app:dev_assistant')).toBe('deny');
      expect(scope.evaluate(AGENT_ACTOR, 'registry.create.function.lua', 'app.generated:clock')).toBeUndefined();
    } finally {
      await registry.close();
    }
  });
});

describe('loadDefinitions on fixture apps', () => {
  it('loads nested dirs, single-entry files, deep file:// refs and shared meta; ignores data YAML', async () => {
    const dir = join(FIXTURES, 'valid');
    const r = await loadDefinitions(dir, { logWarnings: false });
    expect(r.entries.map((e) => e.id).sort()).toEqual(
      ['demo:allow_all', 'demo:endpoint_a', 'demo:endpoint_b', 'demo:readme', 'demo.tools:echo', 'demo.tools:upper'].sort(),
    );
    const byId = new Map(r.entries.map((e) => [e.id, e]));
    expect(byId.get('demo:readme')!.data).toEqual({ readme: '# Demo\nA fixture readme.\n' });
    const echo = byId.get('demo.tools:echo')!;
    expect(echo.meta).toEqual({
      type: 'tool',
      llm_alias: 'echo',
      input_schema: '{"type":"object","properties":{"text":{"type":"string"}}}\n',
    });
    expect((echo.data as { extra: unknown }).extra).toEqual({ notes: ['plain', 'nested note\n'] });
    expect((echo.data as { source: string }).source).toContain('local function handler');
    // entry meta wins over the file's shared meta
    expect(byId.get('demo:endpoint_a')!.meta).toEqual({ owner: 'endpoint' });
    expect(byId.get('demo:endpoint_b')!.meta).toEqual({ owner: 'fixtures' });
    const upper = byId.get('demo.tools:upper')!;
    expect(upper.kind).toBe('function.js');
    expect(upper.data).toEqual({
      source: 'export function handler(input) { return String(input.text).toUpperCase(); }',
      modules: [],
    });
    const upperFile = join(dir, 'tools', 'upper.yaml');
    expect(r.sources.get('demo.tools:upper')).toEqual({ file: upperFile, line: lineWith(upperFile, 'namespace:') });
    const indexFile = join(dir, '_index.yaml');
    expect(r.sources.get('demo:endpoint_a')).toEqual({ file: indexFile, line: lineWith(indexFile, 'name: endpoint_a') });
  });

  it('reports an unknown kind once, naming where it first appears, and keeps the entries', async () => {
    const dir = join(FIXTURES, 'valid');
    const r = await loadDefinitions(dir, { logWarnings: false });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('http.endpoint');
    expect(r.warnings[0]).toContain(`${join(dir, '_index.yaml')}:${lineWith(join(dir, '_index.yaml'), 'name: endpoint_a')}`);
    expect(r.warnings[0]).toContain('demo:endpoint_a');
    expect(r.entries.filter((e) => e.kind === 'http.endpoint')).toHaveLength(2);
  });

  it('fails on a YAML syntax error with LOAD_YAML_SYNTAX and the parser line', async () => {
    const file = join(FIXTURES, 'syntax-error', '_index.yaml');
    const err = await loadError(join(FIXTURES, 'syntax-error'));
    expect(err.code).toBe('LOAD_YAML_SYNTAX');
    expect(err.message).toMatch(new RegExp(`^${escape(file)}:${lineWith(file, 'kind: function.lua: oops')}:\\d+: `));
  });

  it('fails on a missing file:// target with LOAD_FILE_REF naming the value line, entry and resolved path', async () => {
    const dir = join(FIXTURES, 'missing-file-ref');
    const file = join(dir, '_index.yaml');
    const err = await loadError(dir);
    expect(err.code).toBe('LOAD_FILE_REF');
    expect(err.message).toContain(`${file}:${lineWith(file, 'file://nowhere/ghost.lua')}:`);
    expect(err.message).toContain('broken:ghost_tool');
    expect(err.message).toContain(join(dir, 'nowhere', 'ghost.lua'));
  });

  it('fails on the same id in two files with LOAD_DUPLICATE_ID naming both places', async () => {
    const dir = join(FIXTURES, 'duplicate-id');
    const one = join(dir, 'one', '_index.yaml');
    const two = join(dir, 'two', '_index.yaml');
    const err = await loadError(dir);
    expect(err.code).toBe('LOAD_DUPLICATE_ID');
    expect(err.message).toContain('broken:twice');
    expect(err.message).toContain(`${two}:${lineWith(two, 'name: twice')}`);
    expect(err.message).toContain(`${one}:${lineWith(one, 'name: twice')}`);
  });

  it('fails on a field of the wrong type with LOAD_INVALID_ENTRY naming entry, field, expected and got', async () => {
    const dir = join(FIXTURES, 'wrong-type');
    const file = join(dir, '_index.yaml');
    const err = await loadError(dir);
    expect(err.code).toBe('LOAD_INVALID_ENTRY');
    expect(err.message).toMatch(new RegExp(`^${escape(file)}:${lineWith(file, 'name: typo_tool')}: `));
    expect(err.message).toContain('broken:typo_tool');
    expect(err.message).toContain('data.modules');
    expect(err.message).toMatch(/expected array, received string/);
    expect(err.message).toContain(`[line ${lineWith(file, 'modules: json')}]`);
  });

  it('fails on a policy effect that is not allow/deny, naming the allowed values and the value given', async () => {
    const file = join(FIXTURES, 'bad-policy', '_index.yaml');
    const err = await loadError(join(FIXTURES, 'bad-policy'));
    expect(err.code).toBe('LOAD_INVALID_ENTRY');
    expect(err.message).toContain(`${file}:${lineWith(file, 'name: maybe')}`);
    expect(err.message).toContain('data.policy.effect');
    expect(err.message).toMatch(/"allow"\|"deny"/);
    expect(err.message).toContain('got "perhaps"');
  });

  it('treats a non-index YAML file with namespace + name as a single entry and refuses it without a kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micro-agi-loader-'));
    try {
      writeFileSync(join(dir, 'lonely.yaml'), '# one entry\nnamespace: solo\nname: lonely\nsource: x\n');
      const err = await loadError(dir);
      expect(err.code).toBe('LOAD_INVALID_ENTRY');
      expect(err.message).toBe(`${join(dir, 'lonely.yaml')}:2: entry solo:lonely: "kind" must be a non-empty string (got nothing)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with LOAD_IO when the directory does not exist', async () => {
    const err = await loadError(join(FIXTURES, 'no-such-app'));
    expect(err.code).toBe('LOAD_IO');
    expect(err.message).toContain('no-such-app');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
