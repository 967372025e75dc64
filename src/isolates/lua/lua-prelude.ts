// The Lua side of the sandbox: safe globals, read-only library proxies, error values, require,
// print, kill-proof pcall/xpcall/resume, module-table builders and the per-call runner.
//
// The prelude runs once per Lua state with the real standard library. It captures what it needs
// (debug.getinfo/setupvalue, collectgarbage...) as locals, strips the dangerous globals and
// returns a table of internals that only the engine (via the registry) can reach.
// `host(op, ...)` is the one Lua-callable C function: it takes and returns plain values only.

export const PRELUDE_CHUNK_NAME = '=sandbox';

/** The sandbox source. Host operation codes (first argument of `host`) match the OP_* constants in lua-host.ts. */
export const PRELUDE_SOURCE = String.raw`
local host = ...
local G = _G
local debug_getinfo, debug_setupvalue, debug_getmetatable = debug.getinfo, debug.setupvalue, debug.getmetatable
local collect = collectgarbage
local rawpcall, rawxpcall, rawerror = pcall, xpcall, error
local raw_setmetatable, rawset, rawget, rawequal = setmetatable, rawset, rawget, rawequal
local type, select, tostring, next, ipairs = type, select, tostring, next, ipairs
local co_resume, co_close = coroutine.resume, coroutine.close
local pack, concat, sort = table.pack, table.concat, table.sort
local randomseed = math.randomseed
local str_gmatch = string.gmatch

local OP_INVOKE, OP_PRINT, OP_REQUIRE, OP_STORE, OP_KILLED = 1, 2, 3, 4, 5

local KILL = raw_setmetatable({}, { __metatable = false, __tostring = function() return "isolate limit reached" end })

-- read-only proxies ------------------------------------------------------------------------------
local RO_MTS = raw_setmetatable({}, { __mode = "k" })
local function readonly(inner, name)
  local mt = {
    __index = inner,
    __newindex = function() rawerror("attempt to modify read-only table '" .. name .. "'", 2) end,
    __pairs = function() return next, inner, nil end,
    __len = function() return #inner end,
    __metatable = false,
  }
  RO_MTS[mt] = true
  return raw_setmetatable({}, mt)
end
local function deep_readonly(t, name, seen)
  seen = seen or {}
  if seen[t] then return seen[t] end
  local inner = {}
  local proxy = readonly(inner, name)
  seen[t] = proxy
  for k, v in next, t do
    if type(v) == "table" and debug_getmetatable(v) == nil then
      v = deep_readonly(v, name .. "." .. tostring(k), seen)
    end
    inner[k] = v
  end
  return proxy
end

-- kill-proof catchers ----------------------------------------------------------------------------
local function is_killed(e)
  if rawequal(e, KILL) then return true end
  if e == "not enough memory" then return host(OP_KILLED, 1) end
  return host(OP_KILLED)
end
local function after(ok, ...)
  if not ok and is_killed((...)) then rawerror(KILL, 0) end
  return ok, ...
end
local function s_pcall(f, ...) return after(rawpcall(f, ...)) end
local function s_xpcall(f, h, ...)
  local function guarded(e)
    if rawequal(e, KILL) then return KILL end
    return h(e)
  end
  return after(rawxpcall(f, guarded, ...))
end
local function s_resume(co, ...) return after(co_resume(co, ...)) end
local function s_close(co) return after(co_close(co)) end

local function s_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    rawerror("setmetatable: __gc metamethods are not allowed in tools", 2)
  end
  return raw_setmetatable(t, mt)
end
local function s_rawset(t, k, v)
  if type(t) == "table" and RO_MTS[debug_getmetatable(t)] then
    rawerror("attempt to modify a read-only table", 2)
  end
  return rawset(t, k, v)
end

-- error values -----------------------------------------------------------------------------------
-- ERRDATA[err] = { kind, message, retryable, details, isolate_kind }
local ERR_MT = {}
local ERRDATA = raw_setmetatable({}, { __mode = "k" })
local KIND_BY_NAME = {
  UNKNOWN = "", INVALID = "Invalid", NOT_FOUND = "NotFound", ALREADY_EXISTS = "AlreadyExists",
  PERMISSION_DENIED = "PermissionDenied", UNAVAILABLE = "Unavailable", INTERNAL = "Internal",
  CANCELED = "Canceled", CONFLICT = "Conflict", TIMEOUT = "Timeout", RATE_LIMITED = "RateLimited",
}
local KIND_VALUES = {}
for _, v in next, KIND_BY_NAME do KIND_VALUES[v] = true end

local function mkerr(kind, message, retryable, details, isolate_kind)
  local e = raw_setmetatable({}, ERR_MT)
  ERRDATA[e] = { kind or "", message or "", retryable, details, isolate_kind }
  return e
end
local function norm_kind(k)
  if k == nil then return "" end
  k = tostring(k)
  return KIND_BY_NAME[k] or k
end
local function known_kind(k)
  return type(k) == "string" and (KIND_BY_NAME[k] ~= nil or (KIND_VALUES[k] and k ~= ""))
end
local function edata(self, name)
  local d = ERRDATA[self]
  if not d then rawerror("bad self for error:" .. name .. "() (call methods with ':')", 3) end
  return d
end
local emethods = {
  kind = function(self) return edata(self, "kind")[1] end,
  message = function(self) return edata(self, "message")[2] end,
  retryable = function(self) return edata(self, "retryable")[3] end,
  details = function(self) return edata(self, "details")[4] end,
  stack = function(self) edata(self, "stack"); return "" end,
}
local function as_text(x)
  local d = ERRDATA[x]
  if d then return d[2] end
  local tx = type(x)
  if tx == "string" or tx == "number" then return x end
  return tostring(x)
end
ERR_MT.__index = emethods
ERR_MT.__tostring = function(self) local d = ERRDATA[self]; return d and d[2] or "error" end
ERR_MT.__concat = function(a, b) return as_text(a) .. as_text(b) end
ERR_MT.__name = "error"
ERR_MT.__metatable = "error"

local E = {}
for k, v in next, KIND_BY_NAME do E[k] = v end
function E.new(a, b)
  local da = ERRDATA[a]
  if da then
    if b ~= nil then return mkerr(da[1], tostring(b), da[3], da[4]) end
    return mkerr(da[1], da[2], da[3], da[4])
  end
  local ta = type(a)
  if ta == "table" then
    local msg = rawget(a, "message")
    return mkerr(norm_kind(rawget(a, "kind")), msg ~= nil and tostring(msg) or "", rawget(a, "retryable"), rawget(a, "details"))
  end
  if a == nil then rawerror("errors.new: message or {message=, kind=} expected", 2) end
  if b ~= nil then
    if known_kind(a) then return mkerr(norm_kind(a), tostring(b)) end
    if type(b) == "table" then return mkerr("", tostring(a), nil, b) end
    return mkerr("", tostring(a) .. ": " .. tostring(b))
  end
  return mkerr("", tostring(a))
end
function E.wrap(err, msg)
  if err == nil then return nil end
  local d = ERRDATA[err]
  local base = d and d[2] or tostring(err)
  local text = msg ~= nil and (tostring(msg) .. ": " .. base) or base
  if d then return mkerr(d[1], text, d[3], d[4]) end
  return mkerr("", text)
end
function E.is(err, kind)
  local d = ERRDATA[err]
  if not d then return false end
  return d[1] == norm_kind(kind)
end
function E.call_stack(err) return {} end

-- host calls -------------------------------------------------------------------------------------
-- status 0: values; 1: module failure (kind, message, retryable, details) -> nil, err;
-- 2: argument misuse (message) -> raised string; 3: host fault (message) -> raised Internal error;
-- 4: the call was killed (deadline, cancel) -> uncatchable.
local function finish(st, ...)
  if st == 0 then return ... end
  if st == 1 then
    local kind, message, retryable, details = ...
    return nil, mkerr(kind, message, retryable, details)
  end
  if st == 2 then rawerror((...), 2) end
  if st == 3 then rawerror(mkerr("Internal", (...), false, nil, "Internal"), 2) end
  rawerror(KILL, 0)
end
local function make_fn(modname, fname)
  return function(...) return finish(host(OP_INVOKE, modname, fname, ...)) end
end

local function build_module(modname, fnames, consts)
  local root = {}
  for i = 1, #fnames do
    local full = fnames[i]
    local parts = {}
    for p in str_gmatch(full, "[^%.]+") do parts[#parts + 1] = p end
    local t = root
    for j = 1, #parts - 1 do
      local sub = rawget(t, parts[j])
      if type(sub) ~= "table" then sub = {}; t[parts[j]] = sub end
      t = sub
    end
    t[parts[#parts]] = make_fn(modname, full)
  end
  if consts then
    for k, v in next, consts do
      if rawget(root, k) == nil then root[k] = v end
    end
  end
  return deep_readonly(root, modname)
end

local function make_type_mt(modname, tname, mnames, has_tostring)
  local methods = {}
  for i = 1, #mnames do
    local full = tname .. ":" .. mnames[i]
    methods[mnames[i]] = function(self, ...) return finish(host(OP_INVOKE, modname, full, self, ...)) end
  end
  local mt = { __index = methods, __name = tname, __metatable = tname }
  if has_tostring then
    local full = tname .. ":__tostring"
    mt.__tostring = function(self)
      local st, s = host(OP_INVOKE, modname, full, self)
      if st == 4 then rawerror(KILL, 0) end
      if st == 0 and s ~= nil then return tostring(s) end
      return tname
    end
  else
    mt.__tostring = function() return tname end
  end
  return mt
end

local function s_require(name)
  if type(name) ~= "string" then
    rawerror("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2)
  end
  local st, a, b = host(OP_REQUIRE, name)
  if st == 0 then return a end
  if st == 1 then
    local m = build_module(name, a, b)
    host(OP_STORE, name, m)
    return m
  end
  rawerror(mkerr(st == 3 and "PermissionDenied" or "NotFound", a, false, nil, b), 2)
end

local function s_print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  if host(OP_PRINT, concat(parts, "\t")) then rawerror(KILL, 0) end
end

-- safe globals -----------------------------------------------------------------------------------
local reseed = false
local function copy(src, names)
  local t = {}
  for i = 1, #names do t[names[i]] = src[names[i]] end
  return t
end
string.dump = nil
local smt = debug_getmetatable("")
smt.__metatable = false

local SAFE = copy(G, { "assert", "ipairs", "next", "pairs", "rawequal", "rawlen", "rawget", "select",
  "tonumber", "tostring", "type", "_VERSION", "getmetatable", "error" })
SAFE.pcall, SAFE.xpcall = s_pcall, s_xpcall
SAFE.setmetatable, SAFE.rawset = s_setmetatable, s_rawset
SAFE.unpack = table.unpack
SAFE.print, SAFE.require = s_print, s_require
SAFE.errors = readonly(E, "errors")
SAFE.string = readonly(string, "string")
SAFE.table = readonly(copy(table, { "concat", "insert", "move", "pack", "remove", "sort", "unpack" }), "table")
local m = {}
for k, v in next, math do m[k] = v end
m.randomseed = function(...) reseed = true; return randomseed(...) end
SAFE.math = readonly(m, "math")
SAFE.os = readonly(copy(os, { "time", "date", "clock", "difftime" }), "os")
SAFE.utf8 = readonly(copy(utf8, { "char", "charpattern", "codes", "codepoint", "len", "offset" }), "utf8")
local co = copy(coroutine, { "create", "isyieldable", "running", "status", "wrap", "yield" })
co.resume, co.close = s_resume, s_close
SAFE.coroutine = readonly(co, "coroutine")

local ENV_MT = { __index = SAFE, __metatable = false }

for _, k in ipairs({ "load", "loadstring", "dofile", "loadfile", "collectgarbage", "require", "io",
  "debug", "package", "os", "warn" }) do
  G[k] = nil
end

-- the runner -------------------------------------------------------------------------------------
local current_source, err_line = nil, nil
local function msgh(e)
  if rawequal(e, KILL) then return e end
  err_line = nil
  for level = 2, 200 do
    local info = debug_getinfo(level, "Sl")
    if not info then break end
    if info.source == current_source and info.currentline and info.currentline > 0 then
      err_line = info.currentline
      break
    end
  end
  return e
end
local function describe(e)
  local d = ERRDATA[e]
  if d then return d[2], err_line, d[1], d[5] end
  local te = type(e)
  if te == "string" then return e, err_line end
  if te == "number" then return tostring(e), err_line end
  local ok, s = rawpcall(tostring, e)
  if ok and type(s) == "string" then return s, err_line end
  return "error object is a " .. te .. " value", err_line
end
local function index(t, k) return t[k] end
local function function_names(t)
  local names = {}
  for k, v in next, t do
    if type(v) == "function" and type(k) == "string" then names[#names + 1] = k end
  end
  sort(names)
  return concat(names, ", ")
end

local function run(chunk, source, method, input)
  if reseed then randomseed(); reseed = false end
  current_source = source
  err_line = nil
  local env = raw_setmetatable({}, ENV_MT)
  env._G = env
  debug_setupvalue(chunk, 1, env)
  local ok, mod = rawxpcall(chunk, msgh)
  if not ok then return "raise", describe(mod) end
  local fn = mod
  if mod == nil then
    fn = rawget(env, method)
    if type(fn) ~= "function" then return "nomethod", "", "nil" end
  elseif type(mod) == "table" then
    ok, fn = rawxpcall(index, msgh, mod, method)
    if not ok then return "raise", describe(fn) end
    if type(fn) ~= "function" then return "nomethod", function_names(mod), "table" end
  elseif type(mod) ~= "function" then
    return "nomethod", "", type(mod)
  end
  local r = pack(rawxpcall(fn, msgh, input))
  if not r[1] then return "raise", describe(r[2]) end
  local v, e = r[2], r[3]
  if e ~= nil and (v == nil or (v == false and ERRDATA[e])) then
    local d = ERRDATA[e]
    if d then return "toolerr", d[2], d[1] end
    local ok2, s = rawpcall(tostring, e)
    return "toolerr", ok2 and type(s) == "string" and s or ("error object is a " .. type(e) .. " value"), ""
  end
  return "ok", v
end

return {
  run = run,
  type_mt = make_type_mt,
  gc = function() collect("collect") end,
  KILL = KILL,
  ERR_MT = ERR_MT,
  ERRDATA = ERRDATA,
}
`;
