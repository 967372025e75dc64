-- create_tool: checks, compiles and tests a generated tool (Lua or JS), then writes app.generated:<name>
-- into the registry (a new version when it exists) with provenance; every refusal is {error = "..."}.
local json = require("json")
local security = require("security")
local tools = require("tools")
local ctx = require("ctx")

local NAMESPACE = "app.generated"
local MAX_SOURCE_LEN = 16000
local MAX_NAME_LEN = 64
local MAX_PROMPT_LEN = 500
local MAX_TESTS = 20
local SCOPE = "app:agent_security"
local ALLOWED_LIST = { "time", "json", "http_client", "expr", "text", "base64", "yaml", "crypto", "hash", "uuid", "url" }
local ALLOWED = {}
for _, m in ipairs(ALLOWED_LIST) do ALLOWED[m] = true end
local KINDS = { lua = "function.lua", js = "function.js" }
local SHAPE = {
  lua = "Lua: `local function handler(input) ... end` then `return { handler = handler }`",
  js = "JavaScript: `export function handler(input) { ... }`",
}

local function fail(message, extra)
  local out = { error = message }
  for k, v in pairs(extra or {}) do out[k] = v end
  return out
end

-- JSON Schema encoding that keeps empty objects as {} (json.encode cannot tell an empty table's shape).
local MAP_KEYS = { properties = true, patternProperties = true, definitions = true, ["$defs"] = true, dependentSchemas = true }
local LIST_KEYS = { required = true, enum = true, type = true, examples = true }
local encode_schema

local function is_sequence(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n > 0 and n == #t
end

local function encode_object(t, value_shape)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if v == nil then v = t[tonumber(k)] end
    parts[#parts + 1] = json.encode(k) .. ":" .. encode_schema(v, value_shape(k))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- shape: "schema" (a schema object), "map" (name -> schema), "list" (array), "value" (plain JSON)
encode_schema = function(v, shape)
  if type(v) ~= "table" then return (json.encode(v)) end
  if next(v) == nil then return shape == "list" and "[]" or "{}" end
  if is_sequence(v) then
    local parts = {}
    for i, item in ipairs(v) do
      parts[i] = encode_schema(item, (shape == "list" or shape == "value") and "value" or "schema")
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  if shape == "map" then return encode_object(v, function() return "schema" end) end
  if shape == "value" or shape == "list" then return encode_object(v, function() return "value" end) end
  return encode_object(v, function(k)
    if MAP_KEYS[k] then return "map" end
    if LIST_KEYS[k] then return "list" end
    if k == "default" or k == "const" or k == "description" or k == "title" then return "value" end
    return "schema"
  end)
end

local function check_name(name)
  if type(name) ~= "string" or name == "" then
    return "name is required: snake_case, e.g. \"word_count\""
  end
  if #name > MAX_NAME_LEN or not name:match("^[a-z][a-z0-9_]*$") then
    return "name \"" .. name .. "\" is invalid: it must match ^[a-z][a-z0-9_]{0,63}$ "
      .. "(start with a lowercase letter; lowercase letters, digits and _ only; at most 64 characters)"
  end
  return nil
end

local function check_modules(modules)
  if modules == nil then return {}, nil end
  if type(modules) ~= "table" then
    return nil, "modules must be a list of module names, e.g. [\"json\", \"time\"]"
  end
  local out, seen = {}, {}
  for i, name in ipairs(modules) do
    if type(name) ~= "string" or not ALLOWED[name] then
      return nil, "module " .. json.encode(name) .. " (modules[" .. i .. "]) is not allowed for generated tools; allowed: "
        .. table.concat(ALLOWED_LIST, ", ")
    end
    if not seen[name] then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  return out, nil
end

-- -> JSON text of the input schema, or nil, what is wrong
local function check_schema(schema)
  if schema == nil or schema == "" then return '{"type":"object","properties":{}}', nil end
  local decoded = schema
  if type(schema) == "string" then
    local value, err = json.decode(schema)
    if err then return nil, "schema is not valid JSON: " .. tostring(err) end
    decoded = value
  end
  if type(decoded) ~= "table" or is_sequence(decoded) then
    return nil, "schema must be a JSON Schema object such as {\"type\":\"object\",\"properties\":{...}}, got "
      .. (type(decoded) == "table" and "an array" or type(decoded))
  end
  if decoded.type ~= "object" then
    return nil, "schema.type must be \"object\" (a tool's input is always an object), got "
      .. (decoded.type == nil and "no type" or json.encode(decoded.type))
  end
  if decoded.properties ~= nil then
    if type(decoded.properties) ~= "table" or is_sequence(decoded.properties) then
      return nil, "schema.properties must be an object mapping each input field to its schema, got "
        .. (type(decoded.properties) == "table" and "an array" or json.encode(decoded.properties))
    end
    for field, sub in pairs(decoded.properties) do
      if type(sub) ~= "table" or is_sequence(sub) then
        return nil, "schema.properties." .. tostring(field) .. " must be a schema object such as {\"type\":\"string\"}, got "
          .. json.encode(sub)
      end
    end
  end
  if decoded.required ~= nil and (type(decoded.required) ~= "table" or (next(decoded.required) ~= nil and not is_sequence(decoded.required))) then
    return nil, "schema.required must be a list of property names"
  end
  if decoded.properties == nil then decoded.properties = {} end
  return encode_schema(decoded, "schema"), nil
end

local function check_tests(tests)
  if tests == nil then return {}, nil end
  if type(tests) ~= "table" or (next(tests) ~= nil and not is_sequence(tests)) then
    return nil, "tests must be a list of {input = {...}, expect = <result>} cases"
  end
  if #tests > MAX_TESTS then return nil, "at most " .. MAX_TESTS .. " tests, got " .. #tests end
  for i, t in ipairs(tests) do
    if type(t) ~= "table" or is_sequence(t) then
      return nil, "tests[" .. i .. "] must be an object {input = {...}, expect = <result>}"
    end
  end
  return tests, nil
end

local function deep_equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- The tools loaded in this session (ids or names), from the call context.
local function loaded_ids()
  local out = {}
  local loaded = ctx.get("loaded_tools")
  if type(loaded) == "table" then
    for _, item in ipairs(loaded) do
      if type(item) == "string" then out[#out + 1] = item end
    end
  end
  return out
end

local function run_tests(draft, schema, tests)
  local failures = {}
  for i, t in ipairs(tests) do
    -- an input the agent would refuse from the model is a failed test, not a run
    local _, err = tools.check_input(schema, t.input)
    local got
    if not err then got, err = tools.test(draft, t.input) end
    if err then
      failures[#failures + 1] = { test = i, input = t.input, expected = t.expect, got = { error = tostring(err) } }
    elseif t.expect ~= nil and not deep_equal(got, t.expect) then
      failures[#failures + 1] = { test = i, input = t.input, expected = t.expect, got = got }
    end
  end
  return failures
end

local function handler(input)
  if type(input) ~= "table" then return fail("input must be an object {name, description, source, ...}") end
  local name, description, source = input.name, input.description, input.source

  local name_err = check_name(name)
  if name_err then return fail(name_err) end
  if type(description) ~= "string" or description:match("^%s*$") then
    return fail("description is required: say what the tool does and what it returns")
  end
  local language = input.language or "lua"
  local kind = KINDS[language]
  if not kind then
    return fail("language must be \"lua\" or \"js\", got " .. json.encode(language))
  end
  if type(source) ~= "string" or source:match("^%s*$") then
    return fail("source is required: the complete " .. SHAPE[language])
  end
  if #source > MAX_SOURCE_LEN then
    return fail("source is too long: " .. #source .. " characters, at most " .. MAX_SOURCE_LEN)
  end
  local modules, merr = check_modules(input.modules)
  if merr then return fail(merr) end
  local schema, serr = check_schema(input.schema)
  if serr then return fail(serr) end
  local tests, terr = check_tests(input.tests)
  if terr then return fail(terr) end

  local id = NAMESPACE .. ":" .. name
  local draft = { name = name, language = language, source = source, modules = modules, method = "handler" }
  local _, cerr = tools.compile(draft)
  if cerr then
    return fail("compile error: " .. tostring(cerr) .. "; fix the source and call create_tool again", { line = cerr:details() and cerr:details().line or nil })
  end
  local failures = run_tests(draft, schema, tests)
  if #failures > 0 then
    return fail(#failures .. " of " .. #tests .. " tests failed; nothing was written. Fix the source (or the expectation) and call create_tool again",
      { failures = failures })
  end

  local prompt = ctx.get("prompt")
  if type(prompt) == "string" and #prompt > MAX_PROMPT_LEN then prompt = prompt:sub(1, MAX_PROMPT_LEN) end
  local session = ctx.get("session")
  local entry = {
    id = id,
    kind = kind,
    meta = {
      type = "tool",
      title = name,
      comment = description,
      llm_alias = name,
      llm_description = description,
      input_schema = schema,
      created_by = security.actor():id(),
      prompt = type(prompt) == "string" and prompt or nil,
      session = type(session) == "string" and session or nil,
    },
    data = { source = source, modules = modules, method = "handler" },
  }
  -- One host call: refuse a name taken by a built-in tool or by another tool loaded in this session,
  -- evaluate SCOPE for the create or update on the newest version, write (a lost race reads it again).
  local written, werr = tools.write(id, entry, {
    scope = SCOPE,
    actor = security.new_actor("service:agent", { role = "agent" }),
    aliases = "app.tools",
    loaded = loaded_ids(),
  })
  if werr then return fail("cannot write " .. id .. ": " .. tostring(werr)) end
  if written.refused then return fail(written.refused) end

  return {
    created = not written.existed,
    updated = written.existed,
    id = id,
    version = written.version,
    alias = name,
  }
end

return { handler = handler }
