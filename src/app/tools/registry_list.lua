-- registry_list: compact lines "id  kind  alias — description", sorted by id, filtered by kind (glob),
-- namespace, meta.type and a case-insensitive substring query over id, alias and description.
local registry = require("registry")

local DEFAULT_LIMIT = 50
local MAX_LIMIT = 200
local MAX_DESCRIPTION = 120

local function one_line(text)
  text = tostring(text or ""):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
  if #text > MAX_DESCRIPTION then text = text:sub(1, MAX_DESCRIPTION - 3) .. "..." end
  return text
end

local function nonempty(v)
  return type(v) == "string" and v ~= ""
end

local function handler(input)
  if type(input) ~= "table" then input = {} end
  for _, key in ipairs({ "kind", "namespace", "type", "query" }) do
    if input[key] ~= nil and type(input[key]) ~= "string" then
      return { error = key .. " must be a string" }
    end
  end
  local limit = input.limit or DEFAULT_LIMIT
  if type(limit) ~= "number" or limit < 1 or limit ~= math.floor(limit) then
    return { error = "limit must be a whole number >= 1 (at most " .. MAX_LIMIT .. ")" }
  end
  limit = math.min(limit, MAX_LIMIT)

  local filter = {}
  if nonempty(input.namespace) then filter[".ns"] = input.namespace end
  if nonempty(input.kind) then filter[".kind"] = input.kind end
  if nonempty(input.type) then filter["meta.type"] = input.type end
  local entries, err = registry.find(filter)
  if err then return { error = "registry.find failed: " .. tostring(err) } end

  local query = nonempty(input.query) and input.query:lower() or nil
  local rows = {}
  for _, e in ipairs(entries) do
    local meta = e.meta or {}
    local alias = type(meta.llm_alias) == "string" and meta.llm_alias or ""
    local description = meta.llm_description or meta.comment or meta.description or meta.title or ""
    if type(description) ~= "string" then description = "" end
    local keep = true
    if query then
      keep = e.id:lower():find(query, 1, true) ~= nil
        or alias:lower():find(query, 1, true) ~= nil
        or description:lower():find(query, 1, true) ~= nil
    end
    if keep then rows[#rows + 1] = { id = e.id, kind = e.kind, alias = alias, description = one_line(description) } end
  end
  table.sort(rows, function(a, b) return a.id < b.id end)

  local lines = {}
  for i = 1, math.min(limit, #rows) do
    local r = rows[i]
    local line = r.id .. "  " .. r.kind
    if r.alias ~= "" then line = line .. "  " .. r.alias end
    if r.description ~= "" then line = line .. " — " .. r.description end
    lines[i] = line
  end
  local out = { entries = lines, total = #rows }
  if #rows > limit then out.truncated = "showing " .. limit .. " of " .. #rows .. "; narrow with kind, namespace, type or query" end
  return out
end

return { handler = handler }
