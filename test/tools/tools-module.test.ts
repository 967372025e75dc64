// The tools module on its own: drafts run untrusted as app.generated:<name> (privileged modules refused),
// compile errors carry the line, bad drafts are argument errors, and nothing reaches the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ToolSpec } from '../../src/isolates/types.js';
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

  it('raises for a malformed draft (argument errors, not err values)', async () => {
    const r = await h.pool.call(probe('return tools.compile({ source = "x", language = "python" })'), {}, { actor: { id: 'a', meta: {} } });
    expect(r).toMatchObject({ status: 'error', error: { kind: 'RuntimeError', message: expect.stringContaining('language must be "lua" or "js"') } });
  });
});
