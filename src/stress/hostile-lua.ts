// Hostile Lua tools of the stress test by class: runaway loops, memory bombs, deep recursion, huge output
// and escape attempts, each with the error kinds that count as contained and what an escape would return.
import { foundNames, ssrfCases, type CaseDraft } from './hostile-shared.js';
import type { HostileCase } from './stress-types.js';

function handler(body: string): string {
  return `return { handler = function(input)\n${body}\nend }`;
}

const LOOP = ['Timeout', 'InstructionLimit'] as const;

const drafts: readonly CaseDraft[] = [
  // --- infinite loops --------------------------------------------------------------------------
  { name: 'lua-plain-loop', hostileClass: 'infinite-loop', source: handler('while true do end'), contained: LOOP },
  {
    name: 'lua-pcall-wrapped-loop',
    hostileClass: 'infinite-loop',
    source: handler('while true do pcall(function() while true do end end) end'),
    contained: LOOP,
  },
  {
    // Backtracking inside one C function never reaches the instruction hook: only the supervisor's hard
    // deadline stops it, by replacing the worker.
    name: 'lua-pattern-wedge-in-c',
    hostileClass: 'infinite-loop',
    source: handler('return string.find(string.rep("a", 100000), ".-.-.-.-.-.-b")'),
    contained: ['Timeout'],
  },
  // --- memory bombs: bounded (40-64 MB) so a broken cap lets them finish --------------------------
  {
    name: 'lua-string-doubling',
    hostileClass: 'memory-bomb',
    source: handler('local s = "x"\nfor i = 1, 26 do s = s .. s end\nreturn #s'),
    contained: ['MemoryLimit'],
  },
  {
    name: 'lua-table-growth',
    hostileClass: 'memory-bomb',
    source: handler('local t = {}\nfor i = 1, 3000000 do t[i] = i end\nreturn #t'),
    contained: ['MemoryLimit'],
  },
  {
    name: 'lua-string-rep-40mb',
    hostileClass: 'memory-bomb',
    source: handler('return #string.rep("x", 40 * 1024 * 1024)'),
    contained: ['MemoryLimit'],
  },
  {
    // Many small live allocations: a cap that only checks single allocations would let this through.
    name: 'lua-many-small-strings',
    hostileClass: 'memory-bomb',
    source: handler('local a = {}\nfor i = 1, 100000 do a[i] = string.rep("-", 1000) .. i end\nreturn #a'),
    contained: ['MemoryLimit'],
  },
  // --- deep recursion ---------------------------------------------------------------------------
  {
    name: 'lua-unbounded-recursion',
    hostileClass: 'deep-recursion',
    source: handler('local function f() return f() + 1 end\nreturn f()'),
    contained: ['StackOverflow'],
  },
  {
    name: 'lua-pcall-wrapped-recursion',
    hostileClass: 'deep-recursion',
    source: handler('local function f() return f() + 1 end\nwhile true do pcall(f) end'),
    contained: ['StackOverflow'],
  },
  {
    name: 'lua-metamethod-recursion',
    hostileClass: 'deep-recursion',
    source: handler('local t = setmetatable({}, {__index = function(s, k) return s[k .. "x"] end})\nreturn t.a'),
    contained: ['StackOverflow'],
  },
  // --- huge output ------------------------------------------------------------------------------
  { name: 'lua-huge-string-result', hostileClass: 'huge-output', source: handler('return string.rep("x", 2000000)'), contained: ['OutputLimit'] },
  {
    name: 'lua-huge-table-result',
    hostileClass: 'huge-output',
    source: handler('local t = {}\nfor i = 1, 100000 do t[i] = i end\nreturn t'),
    contained: ['OutputLimit'],
  },
  {
    name: 'lua-print-flood',
    hostileClass: 'huge-output',
    source: handler('for i = 1, 100000 do print(string.rep("p", 100)) end\nreturn "done"'),
    contained: ['OutputLimit'],
  },
  // --- escape attempts: each returns proof of access when it works --------------------------------
  {
    name: 'lua-load',
    hostileClass: 'escape',
    source: handler('return load("return \'load compiled and ran code\'")()'),
    contained: ['RuntimeError'],
  },
  { name: 'lua-debug-library', hostileClass: 'escape', source: handler('return debug.getinfo(1).source'), contained: ['RuntimeError'] },
  {
    name: 'lua-string-dump',
    hostileClass: 'escape',
    source: handler('return "bytecode of " .. #string.dump(function() end) .. " bytes"'),
    contained: ['RuntimeError'],
  },
  {
    name: 'lua-string-metatable-index',
    hostileClass: 'escape',
    source: handler('local lib = getmetatable("").__index\nlib.upper = function() return "pwned" end\nreturn "string metatable reachable"'),
    contained: ['RuntimeError'],
  },
  { name: 'lua-io-open', hostileClass: 'escape', source: handler('local f = io.open("/etc/hostname")\nreturn f:read("a")'), contained: ['RuntimeError'] },
  { name: 'lua-os-execute', hostileClass: 'escape', source: handler('return { ran = os.execute("id") }'), contained: ['RuntimeError'] },
  {
    name: 'lua-require-io',
    hostileClass: 'escape',
    source: handler('return require("io").open("/etc/hostname"):read("a")'),
    contained: ['ModuleNotFound', 'RuntimeError'],
  },
  {
    name: 'lua-require-ungranted-module',
    hostileClass: 'escape',
    modules: ['json'],
    source: handler('return "got http_client." .. type(require("http_client").get)'),
    contained: ['ModuleNotFound'],
  },
  {
    name: 'lua-require-privileged-module',
    hostileClass: 'escape',
    modules: ['env'],
    source: handler('return { home = require("env").get("HOME") }'),
    contained: ['PermissionDenied'],
  },
  {
    name: 'lua-global-poisoning',
    hostileClass: 'escape',
    source: handler(
      'if __stress_leak ~= nil then return { leaked_from_an_earlier_call = __stress_leak } end\n' +
        '__stress_leak = "poisoned"\nstring.upper = function() return "pwned" end\nreturn "string library writable"',
    ),
    contained: ['RuntimeError'],
  },
  {
    name: 'lua-host-globals-probe',
    hostileClass: 'escape',
    source: handler(`local found = {}
for _, name in ipairs({ "js", "process", "global", "globalThis", "window", "module", "exports", "io", "debug",
    "package", "load", "loadstring", "dofile", "loadfile", "collectgarbage" }) do
  if _G[name] ~= nil then found[#found + 1] = name end
end
for _, name in ipairs({ "execute", "getenv", "exit", "remove", "rename", "tmpname" }) do
  if os ~= nil and os[name] ~= nil then found[#found + 1] = "os." .. name end
end
if string.dump ~= nil then found[#found + 1] = "string.dump" end
return found`),
    contained: [],
    escapeProof: foundNames,
  },
];

export const LUA_HOSTILE_CASES: readonly HostileCase[] = [
  ...drafts.map((d): HostileCase => ({ ...d, engine: 'lua', modules: d.modules ?? [] })),
  ...ssrfCases('lua', (url) => ({
    modules: ['http_client'],
    input: { url },
    source: `local http = require("http_client")
return { handler = function(input)
  local r, err = http.get(input.url, { timeout = "2s" })
  if err then return nil, err end
  return { status = r.status_code, body = r.body }
end }`,
  })),
];
