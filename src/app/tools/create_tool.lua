-- create_tool: writes (or replaces) a generated Lua tool app.generated:<name> into the registry,
-- after checking name, size, module allowlist and the app:agent_security policies.
local registry = require("registry")
local json = require("json")
local security = require("security")

local NAMESPACE = "app.generated"
local KIND = "function.lua"
local MAX_SOURCE_LEN = 16000
local MAX_NAME_LEN = 64
local ALLOWED_MODULES = {
  time = true, json = true, http_client = true, expr = true, text = true, base64 = true,
  yaml = true, crypto = true, hash = true, uuid = true, url = true,
}
local DEFAULT_SCHEMA = '{"type":"object","properties":{}}'

local function check_modules(modules)
  if modules == nil then return {}, nil end
  if type(modules) ~= "table" then return nil, "modules must be a list of module names" end
  local out = {}
  for _, name in ipairs(modules) do
    if type(name) ~= "string" or not ALLOWED_MODULES[name] then
      return nil, "module not allowed: " .. tostring(name)
        .. " (allowed: time, json, http_client, expr, text, base64, yaml, crypto, hash, uuid, url)"
    end
    out[#out + 1] = name
  end
  return out, nil
end

local function check_schema(schema)
  if schema == nil or schema == "" then return DEFAULT_SCHEMA, nil end
  if type(schema) == "table" then
    local text, err = json.encode(schema)
    if err then return nil, "schema is not encodable as JSON: " .. tostring(err) end
    return text, nil
  end
  if type(schema) ~= "string" then return nil, "schema must be a JSON Schema string" end
  local decoded, err = json.decode(schema)
  if err or type(decoded) ~= "table" then return nil, "schema is not valid JSON: " .. tostring(err) end
  return schema, nil
end

local function policy_check(action, id)
  local actor = security.new_actor("service:agent", { role = "agent" })
  local scope, err = security.named_scope("app:agent_security")
  if not scope then
    return "cannot load policies app:agent_security: " .. tostring(err)
  end
  if scope:evaluate(actor, action, id) == "deny" then
    return "policy denied: " .. action .. " on " .. id
  end
  return nil
end

local function handler(input)
  if type(input) ~= "table" then return { error = "input must be an object" } end
  local name, description, source = input.name, input.description, input.source

  if type(name) ~= "string" or not name:match("^[a-z][a-z0-9_]*$") or #name > MAX_NAME_LEN then
    return { error = "name must be snake_case (a-z, 0-9, _), start with a letter, at most "
      .. MAX_NAME_LEN .. " characters" }
  end
  if type(description) ~= "string" or description == "" then
    return { error = "description is required" }
  end
  if type(source) ~= "string" or source == "" then
    return { error = "source is required (Lua returning { handler = handler })" }
  end
  if #source > MAX_SOURCE_LEN then
    return { error = "source too long: " .. #source .. " > " .. MAX_SOURCE_LEN .. " characters" }
  end
  local modules, merr = check_modules(input.modules)
  if merr then return { error = merr } end
  local schema, serr = check_schema(input.schema)
  if serr then return { error = serr } end

  local id = NAMESPACE .. ":" .. name
  local snap, err = registry.snapshot()
  if err then return { error = tostring(err) } end
  local existing = snap:get(id)
  local action = (existing and "registry.update." or "registry.create.") .. KIND
  local denied = policy_check(action, id)
  if denied then return { error = denied } end

  local entry = {
    id = id,
    kind = KIND,
    meta = {
      type = "tool",
      title = name,
      comment = description,
      input_schema = schema,
      llm_alias = name,
      llm_description = description,
    },
    data = { source = source, modules = modules, method = "handler" },
  }
  local changes = snap:changes()
  if existing then changes:update(entry) else changes:create(entry) end
  local version, aerr = changes:apply()
  if aerr then return { error = tostring(aerr) } end

  return {
    created = not existing,
    updated = existing and true or false,
    id = id,
    version = version and version:id() or nil,
    next = "call load_tool with id " .. id,
  }
end

return { handler = handler }
