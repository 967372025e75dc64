// The tools module on its own: drafts run untrusted as app.generated:<name> (privileged modules refused),
// compile errors carry the line, bad drafts are argument errors, and nothing reaches the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatePool } from '../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolSpec } from '../../src/isolates/types.js';
import { MapHandleTable } from '../../src/modules/handle-table.js';
import { ModuleFailure, type CallContext, type GuestValue } from '../../src/modules/module-spec.js';
import { toolsModule } from '../../src/modules/tools.js';
import { authoringModules } from '../../src/modules/tools-services.js';
import { openHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A trusted probe (namespace app.tools) that calls the tools module with the input's draft. */
function probe(body: string): ToolSpec {
  return {
    id: 'app.tools:probe',
    version: 1,
    kind: 'function.lua',
    source: `local tools = require("tools")\nreturn { handler = function(input)\n${body}\nend }`,
    method: 'handler',
    modules: ['tools'],
    trusted: true,
    limits: DEFAULT_LIMITS,
  };
}

const run = async (body: string, input: unknown) => {
  const r = await h.pool.call(probe(body), input, { actor: { id: 'service:agent', meta: { role: 'agent' } } });
  if (r.status !== 'ok') throw new Error(JSON.stringify(r.error));
  return r.value as Record<string, unknown>;
};

const TEST_BODY = 'local v, err = tools.test(input.draft, input.input) if err then return { err = tostring(err), kind = err:kind(), details = err:details() } end return { value = v }';

describe('tools module', () => {
  it('runs a draft as the untrusted app.generated:<name>: privileged modules are refused', async () => {
    const draft = { name: 'grab', source: 'local r = require("registry") return { handler = function() return r.find({}) end }', modules: ['registry'] };
    const out = await run(TEST_BODY, { draft, input: {} });
    expect(out.kind).toBe('PermissionDenied');
    expect(String(out.err)).toContain('registry');
    expect(h.registry.current().get('app.generated:grab')).toBeUndefined();
  });

  it('returns what the draft handler returned, and its runtime error with the line', async () => {
    const ok = await run(TEST_BODY, { draft: { name: 'echo', source: 'return { handler = function(i) return { got = i.x } end }' }, input: { x: 7 } });
    expect(ok).toEqual({ value: { got: 7 } });
    const bad = await run(TEST_BODY, { draft: { name: 'boom', source: 'return { handler = function(i)\n  local t = nil\n  return t.x\nend }' }, input: {} });
    expect(bad.err).toMatch(/^line 3: RuntimeError: /);
    expect(bad.details).toMatchObject({ line: 3, error_kind: 'RuntimeError' });
  });

  it('compiles without running: a top-level error() is not reached, a syntax error names its line', async () => {
    const body = 'local ok, err = tools.compile(input) if err then return { err = tostring(err), line = err:details().line } end return { ok = ok }';
    expect(await run(body, { source: 'error("ran at load")\nreturn { handler = function() end }' })).toEqual({ ok: true });
    expect(await run(body, { language: 'js', source: 'export function handler() {\n  return 1;\n}' })).toEqual({ ok: true });
    const broken = await run(body, { source: 'local x = \nreturn { handler = function() end }' });
    expect(broken.line).toBe(2);
    expect(broken.err).toMatch(/^line 2: CompileError: /);
  });

  it('check_input checks an input as the agent checks a call: Invalid naming each field; no input counts as {}', async () => {
    const body = 'local ok, err = tools.check_input(input.schema, input.value) if err then return { err = tostring(err), kind = err:kind() } end return { ok = ok }';
    const schema = '{"type":"object","properties":{"a":{"type":"number"}},"required":["a"]}';
    expect(await run(body, { schema, value: { a: 1 } })).toEqual({ ok: true });
    const refused = await run(body, { schema, value: { a: 'x' } });
    expect(refused.kind).toBe('Invalid');
    expect(refused.err).toContain("the input does not match the schema, so a model's call with it would be refused: a must be number, got string \"x\"");
    // nothing (a test without input) is checked as {}; the schema may be a table too
    expect((await run(body, { schema: { type: 'object', required: ['a'] } })).err).toContain('missing required property "a"');
  });

  it('raises for a malformed draft (argument errors, not err values)', async () => {
    const r = await h.pool.call(probe('return tools.compile({ source = "x", language = "python" })'), {}, { actor: { id: 'a', meta: {} } });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', message: expect.stringContaining('language must be "lua" or "js"') } });
  });

  it('compiles in the calling worker with its own engine: no draft pool needed, the line still reported', async () => {
    const pool = createIsolatePool({ size: 1, services: {}, ...authoringModules() });
    try {
      const body = 'local ok, err = tools.compile(input) if err then return { err = tostring(err), line = err:details().line } end return { ok = ok }';
      const go = async (draft: unknown) => {
        const r = await pool.call(probe(body), draft, { actor: { id: 'service:agent', meta: { role: 'agent' } } });
        if (r.status !== 'ok') throw new Error(JSON.stringify(r.error));
        return r.value as Record<string, unknown>;
      };
      expect(await go({ source: 'error("ran at load")\nreturn { handler = function() end }' })).toEqual({ ok: true });
      const broken = await go({ source: 'local x = \nreturn { handler = function() end }' });
      expect(broken.line).toBe(2);
      expect(broken.err).toMatch(/^line 2: CompileError: /);
      expect(await go({ language: 'js', source: 'export function handler() {\n  return 1;\n}' })).toEqual({ ok: true });
      const brokenJs = await go({ language: 'js', source: 'export function handler() {\n  return 1 +;\n}' });
      expect(brokenJs.line).toBe(2);
      expect(brokenJs.err).toMatch(/^line 2: CompileError: /);
      // tools.test still needs the draft pool: it runs the draft.
      const r = await pool.call(probe(TEST_BODY), { draft: { source: 'return { handler = function() return 1 end }' }, input: {} }, { actor: { id: 'a', meta: {} } });
      expect(r).toMatchObject({ status: 'ok', value: { kind: 'Unavailable' } });
    } finally {
      await pool.close();
    }
  });

  it('falls back to the draft pool (compile_remote) when the worker has no compile engine for the kind', async () => {
    const draft = { source: 'local x = \nreturn { handler = function() end }' };
    const calls: [string, string, GuestValue[]][] = [];
    const ctx: CallContext = {
      entryId: 'app.tools:probe',
      trusted: true,
      actor: { id: 'a', meta: {} },
      deadline: Date.now() + 10_000,
      handles: new MapHandleTable(),
      compile: () => ({ status: 'unavailable' }),
      invoke: (module, fn, args) => {
        calls.push([module, fn, args]);
        return true;
      },
    };
    expect(toolsModule.functions.compile!(ctx, draft)).toBe(true);
    expect(calls).toEqual([['tools', 'compile_remote', [draft]]]);
    // Neither a compile engine nor a host: Unavailable, not a silent success.
    const bare = { ...ctx, compile: undefined, invoke: undefined };
    expect(() => toolsModule.functions.compile!(bare, draft)).toThrow(ModuleFailure);
    // The remote path itself, through the real draft pool, reports the line as before.
    const body = 'local ok, err = tools.compile_remote(input) if err then return { err = tostring(err), line = err:details().line } end return { ok = ok }';
    const broken = await run(body, draft);
    expect(broken.line).toBe(2);
    expect(broken.err).toMatch(/^line 2: CompileError: /);
    expect(await run(body, { source: 'error("ran at load")\nreturn { handler = function() end }' })).toEqual({ ok: true });
  });

  describe('tools.target(nil, ...) returns the newest snapshot with the registry\'s methods', () => {
    const agent = { actor: { id: 'service:agent', meta: { role: 'agent' } } };
    const entry = (name: string) => ({ id: `app.generated:${name}`, kind: 'function.lua', meta: { type: 'tool' }, data: { source: 'return {}', modules: [], method: 'handler' } });
    const spec = (kind: 'function.lua' | 'function.js', source: string, modules: string[]): ToolSpec => ({
      id: 'app.tools:target_probe', version: 1, kind, source, method: 'handler', modules, trusted: true, limits: DEFAULT_LIMITS,
    });
    const LUA = `local tools = require("tools")
return { handler = function(input)
  local t, err = tools.target(nil, input.entry.id)
  if err then return { err = tostring(err) } end
  local version, aerr = t.snapshot:changes():create(input.entry):apply()
  if aerr then return { err = tostring(aerr), kind = aerr:kind() } end
  return { read = t.snapshot:version():id(), wrote = version:id(), action = t.action }
end }`;
    const JS = `const tools = require('tools');
export function handler(input) {
  const t = tools.target(null, input.entry.id);
  const version = t.snapshot.changes().create(input.entry).apply();
  return { read: t.snapshot.version().id(), wrote: version.id(), action: t.action };
}`;

    it.each([
      ['Lua', 'function.lua', LUA],
      ['JS', 'function.js', JS],
    ] as const)('%s: a write goes on the snapshot read, one version up', async (_label, kind, source) => {
      const head = h.registry.current().version;
      const r = await h.pool.call(spec(kind, source, ['tools', 'registry']), { entry: entry(`target_${kind.slice(9)}`) }, agent);
      expect(r).toMatchObject({ status: 'ok', value: { read: head, wrote: head + 1, action: 'registry.create' } });
      expect(h.registry.current().get(`app.generated:target_${kind.slice(9)}`)).toBeDefined();
    });

    it.each([
      ['Lua', 'function.lua', LUA, /registry/],
      // QuickJS builds methods only for granted modules' types: the value has no changes() at all.
      ['JS', 'function.js', JS, /TypeError: not a function/],
    ] as const)('%s: without a grant of registry, the snapshot\'s methods are refused and nothing is written', async (_label, kind, source, message) => {
      const head = h.registry.current().version;
      const r = await h.pool.call(spec(kind, source, ['tools']), { entry: entry(`ungranted_${kind.slice(9)}`) }, agent);
      expect(r.status).toBe('error');
      expect(r.status === 'error' && r.error.message).toMatch(message);
      expect(h.registry.current().version).toBe(head);
    });
  });
});
