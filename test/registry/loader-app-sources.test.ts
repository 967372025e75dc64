// The built-in tools' Lua sources, as the loader delivers them, compile and behave as specified when
// run in stock Lua 5.4 (wasmoon) against small in-Lua fakes of Wippy's registry, security and http_client.
import { LuaFactory, type LuaEngine } from 'wasmoon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/registry/loader.js';
import { builtinAppDir } from '../../src/paths.js';

/** Fakes of the Wippy globals and modules; `FAKE` holds the state a test sets and inspects. */
const HARNESS = `
FAKE = { entries = {}, applied = {}, requests = {}, http = { status = 200, body = "" }, denied = {} }
local function mkerr(kind, msg)
  return setmetatable({ kind = kind, msg = msg }, { __tostring = function(e) return e.msg end,
    __concat = function(a, b) return tostring(a) .. tostring(b) end })
end
errors = { NOT_FOUND = "NotFound", INVALID = "Invalid",
  is = function(e, kind) return type(e) == "table" and e.kind == kind end }
local registry = {}
function registry.get(id)
  local e = FAKE.entries[id]
  if not e then return nil, mkerr("NotFound", "entry not found: " .. id) end
  return e
end
function registry.find(filter)
  FAKE.last_filter = filter
  local out = {}
  for _, e in pairs(FAKE.entries) do out[#out + 1] = e end
  return out
end
function registry.snapshot()
  local snap = {}
  function snap:get(id) return registry.get(id) end
  function snap:changes()
    local ch = { ops = {} }
    function ch:create(e) self.ops[#self.ops + 1] = { op = "create", entry = e }; return self end
    function ch:update(e) self.ops[#self.ops + 1] = { op = "update", entry = e }; return self end
    function ch:apply()
      for _, op in ipairs(self.ops) do FAKE.applied[#FAKE.applied + 1] = op; FAKE.entries[op.entry.id] = op.entry end
      return { id = function() return 7 end }
    end
    return ch
  end
  return snap
end
local security = {}
function security.new_actor(id, meta) return { id = id, meta = meta } end
function security.named_scope(group)
  if group ~= "app:agent_security" then return nil, "no such group" end
  return { evaluate = function(_, actor, action, resource)
    FAKE.last_check = { actor = actor.id, action = action, resource = resource }
    if FAKE.denied[resource] then return "deny" end
    return "undefined"
  end }
end
local json = {}
function json.decode(s)
  if type(s) == "string" and s:match("^%s*[%[{]") then return {} end
  return nil, mkerr("Internal", "invalid json")
end
function json.encode(v) return '{"type":"object"}' end
local http_client = {}
function http_client.encode_uri(s) return (s:gsub(" ", "+")) end
function http_client.get(url, opts)
  FAKE.requests[#FAKE.requests + 1] = { url = url, agent = opts.headers["User-Agent"] }
  return { status_code = FAKE.http.status, body = FAKE.http.body }
end
local MODULES = { registry = registry, security = security, json = json, http_client = http_client, funcs = {} }
function require(name) return MODULES[name] or error("module not granted: " .. name) end
function run_tool(src, input)
  local chunk, err = load(src, "tool")
  if not chunk then error(err) end
  return chunk().handler(input)
end
`;

let engine: LuaEngine;
let sources: Record<string, string>;

beforeAll(async () => {
  const loaded = await loadDefinitions(builtinAppDir(), { logWarnings: false });
  sources = Object.fromEntries(
    loaded.entries.filter((e) => e.id.startsWith('app.tools:')).map((e) => [e.id.slice('app.tools:'.length), (e.data as { source: string }).source]),
  );
  engine = await new LuaFactory().createEngine();
});

afterAll(() => engine?.global.close());

async function call(tool: string, input: unknown, setup = ''): Promise<Record<string, unknown>> {
  await engine.doString(HARNESS + setup);
  engine.global.set('SRC', sources[tool]);
  return engine.doString(`return run_tool(SRC, ${toLua(input)})`) as Promise<Record<string, unknown>>;
}

/** A Lua literal for a JSON-like value (the tool input must be a real Lua table, not a JS proxy). */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{ ${v.map(toLua).join(', ')} }`;
  return `{ ${Object.entries(v as Record<string, unknown>).map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`).join(', ')} }`;
}

const TOOL_ENTRY = `FAKE.entries["app.generated:clock"] = { id = "app.generated:clock", kind = "function.lua",
  meta = { type = "tool", llm_alias = "clock", llm_description = "current time" }, data = { source = "x" } }
FAKE.entries["app:os_env"] = { id = "app:os_env", kind = "env.storage.os", meta = {}, data = {} }`;

describe('built-in tool sources', () => {
  it('all five compile', async () => {
    expect(Object.keys(sources).sort()).toEqual(['create_tool', 'doc_search', 'load_tool', 'registry_list', 'registry_read']);
    await engine.doString(HARNESS);
    for (const [name, src] of Object.entries(sources)) {
      engine.global.set('SRC', src);
      const err = await engine.doString('local f, err = load(SRC, "t"); return err');
      expect(err, name).toBeFalsy();
    }
  });

  it('load_tool loads a tool, refuses a non-tool and a missing id', async () => {
    expect(await call('load_tool', { id: 'app.generated:clock' }, TOOL_ENTRY)).toEqual({
      loaded: true, id: 'app.generated:clock', alias: 'clock', description: 'current time',
    });
    expect(await call('load_tool', { id: 'app:os_env' }, TOOL_ENTRY)).toEqual({ error: "not a tool (meta.type != 'tool'): app:os_env" });
    expect(await call('load_tool', { id: 'app.generated:nope' }, TOOL_ENTRY)).toEqual({ error: 'not found: app.generated:nope' });
    expect((await call('load_tool', {}, TOOL_ENTRY)).error).toMatch(/provide the tool id/);
  });

  it('registry_read returns the entry, and not found for a missing id', async () => {
    const r = await call('registry_read', { id: 'app.generated:clock' }, TOOL_ENTRY);
    expect(r).toMatchObject({ id: 'app.generated:clock', kind: 'function.lua', meta: { type: 'tool' }, data: { source: 'x' } });
    expect(await call('registry_read', { id: 'app:none' }, TOOL_ENTRY)).toEqual({ error: 'not found: app:none' });
  });

  it('registry_list passes dotted filters to registry.find and lists entries sorted by id', async () => {
    const r = await call('registry_list', { namespace: 'app.generated', type: 'tool' }, TOOL_ENTRY);
    expect(r.count).toBe(2);
    expect(r.truncated).toBe(false);
    expect(JSON.stringify(r.entries)).toMatch(/app.generated:clock.*app:os_env/);
    const filter = await engine.doString('return FAKE.last_filter');
    expect(filter).toEqual({ '.ns': 'app.generated', 'meta.type': 'tool' });
  });

  it('create_tool writes app.generated:<name> after the policy check, and refuses bad input', async () => {
    const src = 'local function handler(i) return 1 end\nreturn { handler = handler }';
    const r = await call('create_tool', { name: 'adder', description: 'adds', source: src, modules: ['json'] });
    expect(r).toMatchObject({ created: true, id: 'app.generated:adder', version: 7 });
    expect(await engine.doString('return FAKE.last_check')).toEqual({ actor: 'service:agent', action: 'registry.create.function.lua', resource: 'app.generated:adder' });
    const applied = await engine.doString('local e = FAKE.applied[1].entry; return { op = FAKE.applied[1].op, kind = e.kind, alias = e.meta.llm_alias, type = e.meta.type, method = e.data.method, source = e.data.source }');
    expect(applied).toEqual({ op: 'create', kind: 'function.lua', alias: 'adder', type: 'tool', method: 'handler', source: src });
    expect((await call('create_tool', { name: 'x', description: 'd', source: src, modules: ['registry'] })).error).toMatch(/module not allowed: registry/);
    expect((await call('create_tool', { name: 'Bad-Name', description: 'd', source: src })).error).toMatch(/snake_case/);
    expect((await call('create_tool', { name: 'big', description: 'd', source: 'x'.repeat(16001) })).error).toMatch(/too long/);
    expect(await call('create_tool', { name: 'adder', description: 'd', source: src }, 'FAKE.denied["app.generated:adder"] = true')).toEqual({
      error: 'policy denied: registry.create.function.lua on app.generated:adder',
    });
  });

  it('doc_search fetches a page by path or searches by query, with the agent header and 8000-char cap', async () => {
    const page = await call('doc_search', { path: '/lua/core/time.md' }, 'FAKE.http.body = string.rep("a", 9000)');
    expect(page.path).toBe('lua/core/time');
    expect(page.content).toBe('a'.repeat(8000) + '\n... (truncated)');
    expect(await engine.doString('return FAKE.requests[1]')).toEqual({ url: 'https://wippy.ai/llm/path/en/lua/core/time', agent: 'wippy-agent/1.0' });
    await call('doc_search', { query: 'time format' }, 'FAKE.http.body = "plain results"');
    expect(await engine.doString('return FAKE.requests[1].url')).toBe('https://wippy.ai/llm/search?q=time+format');
    expect(await call('doc_search', { path: 'x' }, 'FAKE.http.status = 404')).toEqual({ error: 'HTTP 404' });
    expect(await call('doc_search', {})).toEqual({ error: "provide either 'path' or 'query'" });
  });
});
