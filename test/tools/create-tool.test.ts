// create_tool through the real isolate pool: Lua and JS happy paths with provenance, new versions, policy
// denial, module allowlist, shadowing, compile errors with lines, failing tests, schema validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPolicy, openHarness, type Harness } from './support/harness.js';

const LUA_WORD_COUNT = `local text = require("text")
local function handler(input)
  local n = 0
  for _ in string.gmatch(input.text or "", "%S+") do n = n + 1 end
  return { words = n }
end
return { handler = handler }`;

const JS_DOUBLE = `export function handler(input) {
  return { doubled: input.n * 2 };
}`;

let h: Harness;
beforeAll(async () => {
  h = await openHarness([agentPolicy('deny_evil', 'app.generated:evil*')]);
});
afterAll(async () => {
  await h?.close();
});

describe('create_tool', () => {
  it('writes a Lua tool with provenance, and the new entry can be called', async () => {
    const out = await h.value(
      'app.tools:create_tool',
      {
        name: 'word_count',
        description: 'Counts the words of a text',
        source: LUA_WORD_COUNT,
        modules: ['text'],
        schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        tests: [{ input: { text: 'a b  c' }, expect: { words: 3 } }],
      },
      { context: { session: 's-1', turn: 2, prompt: 'count the words please', agent: 'app:dev_assistant', loaded_tools: [] } },
    );
    expect(out).toEqual({ created: true, updated: false, id: 'app.generated:word_count', version: expect.any(Number), alias: 'word_count' });
    const entry = h.registry.current().get('app.generated:word_count')!;
    expect(entry.kind).toBe('function.lua');
    expect(entry.meta).toMatchObject({
      type: 'tool',
      title: 'word_count',
      comment: 'Counts the words of a text',
      llm_alias: 'word_count',
      llm_description: 'Counts the words of a text',
      created_by: 'service:agent',
      prompt: 'count the words please',
      session: 's-1',
    });
    expect(JSON.parse(entry.meta.input_schema as string)).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
    expect(entry.data).toEqual({ source: LUA_WORD_COUNT, modules: ['text'], method: 'handler' });
    expect(h.registry.current().version).toBe(out.version);
    expect(await h.value('app.generated:word_count', { text: 'one two' })).toEqual({ words: 2 });
  });

  it('writes a JavaScript tool as function.js with the default schema', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'js_double',
      description: 'Doubles n',
      language: 'js',
      source: JS_DOUBLE,
      tests: [{ input: { n: 4 }, expect: { doubled: 8 } }],
    });
    expect(out).toMatchObject({ created: true, id: 'app.generated:js_double', alias: 'js_double' });
    const entry = h.registry.current().get('app.generated:js_double')!;
    expect(entry.kind).toBe('function.js');
    expect(JSON.parse(entry.meta.input_schema as string)).toEqual({ type: 'object', properties: {} });
    expect(entry.meta.prompt).toBeUndefined();
    expect(await h.value('app.generated:js_double', { n: 21 })).toEqual({ doubled: 42 });
  });

  it('re-creating a tool writes a new version and the new source runs', async () => {
    const base = { name: 'greeter', description: 'Greets' };
    const first = await h.value('app.tools:create_tool', { ...base, source: 'return { handler = function() return { msg = "hi" } end }' });
    const second = await h.value('app.tools:create_tool', { ...base, source: 'return { handler = function() return { msg = "hello" } end }' });
    expect(first).toMatchObject({ created: true, updated: false });
    expect(second).toMatchObject({ created: false, updated: true, id: 'app.generated:greeter' });
    expect(second.version as number).toBeGreaterThan(first.version as number);
    expect(h.registry.history('app.generated:greeter').map((r) => r.change)).toEqual(['create', 'update']);
    expect(await h.value('app.generated:greeter', {})).toEqual({ msg: 'hello' });
  });

  it('race: concurrent create_tool calls for one name all succeed, one create and the rest updates', async () => {
    const calls = Array.from({ length: 4 }, (_, i) =>
      h.value('app.tools:create_tool', { name: 'raced', description: 'Raced', source: `return { handler = function() return ${i} end }` }),
    );
    const results = await Promise.all(calls);
    for (const r of results) expect(r.error).toBeUndefined();
    expect(results.filter((r) => r.created === true)).toHaveLength(1);
    expect(results.filter((r) => r.updated === true)).toHaveLength(3);
    const changes = h.registry.history('app.generated:raced').map((r) => r.change);
    expect(changes).toEqual(['create', 'update', 'update', 'update']);
    expect(new Set(results.map((r) => r.version)).size).toBe(4);
  });

  it('checks the name and the policy and writes the registry in one host call (tools.write)', async () => {
    // Warm the worker's Lua compile engine so tools.compile stays local (no compile_remote call).
    await h.value('app.tools:create_tool', { name: 'counted', description: 'x', source: 'return { handler = function() return 0 end }' });
    const before = h.pool.stats().hostCalls;
    const out = await h.value('app.tools:create_tool', { name: 'counted', description: 'y', source: 'return { handler = function() return 1 end }' });
    expect(out).toMatchObject({ updated: true });
    expect(h.pool.stats().hostCalls - before).toBe(1);
  });

  it('refuses a write the app:agent_security scope denies, writing nothing', async () => {
    const before = h.registry.current().version;
    const out = await h.value('app.tools:create_tool', { name: 'evil_tool', description: 'x', source: 'return { handler = function() return 1 end }' });
    expect(out).toEqual({ error: 'policy denied: registry.create on app.generated:evil_tool' });
    expect(h.registry.current().version).toBe(before);
  });

  it('refuses a module outside the allowlist, naming it and the allowed ones', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'sneaky',
      description: 'x',
      source: 'local r = require("registry") return { handler = function() return r.find({}) end }',
      modules: ['json', 'registry'],
    });
    expect(out.error).toContain('module "registry" (modules[2]) is not allowed');
    expect(out.error).toContain('allowed: time, json, http_client, expr, text, base64, yaml, crypto, hash, uuid, url');
    expect(h.registry.current().get('app.generated:sneaky')).toBeUndefined();
  });

  it('refuses a name that shadows a built-in tool alias', async () => {
    const out = await h.value('app.tools:create_tool', { name: 'doc_search', description: 'x', source: 'return { handler = function() return 1 end }' });
    expect(out.error).toBe('name "doc_search" is taken by the built-in tool app.tools:doc_search; choose another name');
  });

  it('refuses a name used by another loaded tool (from the call context) but may replace its own', async () => {
    const context = { session: 's', turn: 1, prompt: 'p', agent: 'a', loaded_tools: ['weather', 'registry_list'] };
    const out = await h.value('app.tools:create_tool', { name: 'weather', description: 'x', source: 'return { handler = function() return 1 end }' }, { context });
    expect(out.error).toBe('name "weather" is already used by a loaded tool (weather); choose another name');

    await h.value('app.tools:create_tool', { name: 'mine', description: 'x', source: 'return { handler = function() return 1 end }' });
    const again = await h.value(
      'app.tools:create_tool',
      { name: 'mine', description: 'y', source: 'return { handler = function() return 2 end }' },
      { context: { ...context, loaded_tools: ['mine'] } },
    );
    expect(again).toMatchObject({ updated: true, id: 'app.generated:mine' });
  });

  it('returns a compile error with its line and writes nothing', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'broken',
      description: 'x',
      source: 'local function handler(input)\n  return input +\nend\nreturn { handler = handler }',
    });
    expect(out.error).toMatch(/^compile error: line 3: CompileError: .*near 'end'/);
    expect(out.line).toBe(3);
    expect(h.registry.current().get('app.generated:broken')).toBeUndefined();

    const js = await h.value('app.tools:create_tool', { name: 'broken_js', description: 'x', language: 'js', source: 'export function handler(i) {\n  return {a: };\n}' });
    expect(js.error).toMatch(/^compile error: line 2: CompileError: SyntaxError/);
  });

  it('returns the failing tests (input, expected, got) and writes nothing', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'adder',
      description: 'Adds a and b',
      source: 'return { handler = function(i) if i.a == 0 then error("zero!") end return { sum = i.a - i.b } end }',
      tests: [
        { input: { a: 2, b: 0 }, expect: { sum: 2 } },
        { input: { a: 2, b: 1 }, expect: { sum: 3 } },
        { input: { a: 0, b: 1 }, expect: { sum: 1 } },
      ],
    });
    expect(out.error).toBe('2 of 3 tests failed; nothing was written. Fix the source (or the expectation) and call create_tool again');
    const failures = out.failures as { test: number; input: unknown; expected: unknown; got: Record<string, unknown> }[];
    expect(failures.map((f) => f.test)).toEqual([2, 3]);
    expect(failures[0]).toEqual({ test: 2, input: { a: 2, b: 1 }, expected: { sum: 3 }, got: { sum: 1 } });
    expect(String(failures[1]!.got.error)).toMatch(/line 1: RuntimeError: .*zero!/);
    expect(h.registry.current().get('app.generated:adder')).toBeUndefined();
  });

  it('fails a test whose input the schema would refuse from the model, naming the field, and writes nothing', async () => {
    const schema = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };
    const source = 'return { handler = function(i) return { sum = (tonumber(i.a) or 0) + (tonumber(i.b) or 0) } end }';
    const out = await h.value('app.tools:create_tool', {
      name: 'adder_checked',
      description: 'Adds a and b',
      source,
      schema,
      // the handler copes with both inputs, but the agent would refuse the second before it runs
      tests: [{ input: { a: 2, b: 1 }, expect: { sum: 3 } }, { input: { a: '2' }, expect: { sum: 2 } }],
    });
    expect(out.error).toMatch(/^1 of 2 tests failed; nothing was written/);
    const failures = out.failures as { test: number; got: Record<string, unknown> }[];
    expect(failures.map((f) => f.test)).toEqual([2]);
    expect(String(failures[0]!.got.error)).toContain("the input does not match the schema, so a model's call with it would be refused");
    expect(String(failures[0]!.got.error)).toContain('a must be number, got string "2"');
    expect(String(failures[0]!.got.error)).toContain('missing required property "b"');
    expect(h.registry.current().get('app.generated:adder_checked')).toBeUndefined();
    // the same tests against a schema that admits them pass, and a test with no input is checked as {}
    const ok = await h.value('app.tools:create_tool', { name: 'adder_checked', description: 'Adds a and b', source, schema, tests: [{ input: { a: 2, b: 1 }, expect: { sum: 3 } }] });
    expect(ok).toMatchObject({ created: true });
    const bare = await h.value('app.tools:create_tool', { name: 'adder_bare', description: 'Adds', source, schema, tests: [{ expect: { sum: 0 } }] });
    expect(String((bare.failures as { got: Record<string, unknown> }[])[0]!.got.error)).toContain('missing required property "a"');
  });

  it('compares test expectations as JSON values (nested tables, arrays, numbers)', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'shape',
      description: 'Returns a nested shape',
      source: 'return { handler = function(i) return { list = { 1, 2.5, "x" }, nested = { ok = true, n = i.n * 1.0 } } end }',
      tests: [{ input: { n: 2 }, expect: { nested: { n: 2, ok: true }, list: [1, 2.5, 'x'] } }],
    });
    expect(out).toMatchObject({ created: true });
    const wrong = await h.value('app.tools:create_tool', {
      name: 'shape',
      description: 'Returns a nested shape',
      source: 'return { handler = function(i) return { list = { 1, 2.5, "x" }, nested = { ok = true, n = i.n } } end }',
      tests: [{ input: { n: 2 }, expect: { nested: { n: 2, ok: true }, list: [1, 2.5, 'x', 'extra'] } }],
    });
    expect(wrong.error).toMatch(/^1 of 1 tests failed/);
  });

  it.each([
    [{ name: 'Bad-Name', description: 'x', source: 's' }, 'name "Bad-Name" is invalid: it must match ^[a-z][a-z0-9_]{0,63}$'],
    [{ name: 'a'.repeat(65), description: 'x', source: 's' }, 'is invalid: it must match'],
    [{ name: 'ok_name', description: '  ', source: 's' }, 'description is required'],
    [{ name: 'ok_name', description: 'x', source: 'x'.repeat(16001) }, 'source is too long: 16001 characters, at most 16000'],
    [{ name: 'ok_name', description: 'x', source: 's', language: 'python' }, 'language must be "lua" or "js", got "python"'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: '{"type":' }, 'schema is not valid JSON'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: { type: 'string' } }, 'schema.type must be "object" (a tool\'s input is always an object), got "string"'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: '{"properties":{}}' }, 'schema.type must be "object" (a tool\'s input is always an object), got no type'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: { type: 'object', properties: 'text' } }, 'schema.properties must be an object mapping each input field to its schema, got "text"'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: { type: 'object', properties: { a: 5 } } }, 'schema.properties.a must be a schema object such as {"type":"string"}, got 5'],
    [{ name: 'ok_name', description: 'x', source: 's', schema: '[1,2]' }, 'schema must be a JSON Schema object'],
    [{ name: 'ok_name', description: 'x', source: 's', tests: [5] }, 'tests[1] must be an object'],
  ])('refuses invalid input %#', async (input, message) => {
    const out = await h.value('app.tools:create_tool', input);
    expect(out.error).toContain(message);
  });

  it('keeps nested empty objects in a schema given as a table', async () => {
    const out = await h.value('app.tools:create_tool', {
      name: 'anything',
      description: 'Echoes',
      source: 'return { handler = function(i) return i end }',
      schema: { type: 'object', properties: { value: {}, tags: { type: 'array', items: { type: 'string' } } }, required: [] },
    });
    expect(out).toMatchObject({ created: true });
    const schema = JSON.parse(h.registry.current().get('app.generated:anything')!.meta.input_schema as string);
    expect(schema).toEqual({ type: 'object', properties: { value: {}, tags: { type: 'array', items: { type: 'string' } } }, required: [] });
  });
});
