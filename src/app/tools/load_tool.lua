-- load_tool: checks that an entry exists and is a tool (meta.type == "tool") so the agent loop can offer
-- it from its next step (it hot-loads on `loaded = true`); a missing id suggests close generated ids.
local registry = require("registry")

local MAX_SUGGESTIONS = 3

local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    local ca = a:byte(i)
    for j = 1, #b do
      local cost = (ca == b:byte(j)) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- Ids in app.generated whose name is near the asked one (edit distance, or one containing the other).
local function suggestions(id)
  local wanted = (id:match(":([^:]*)$") or id):lower()
  local entries = registry.find({ [".ns"] = "app.generated" }) or {}
  local scored = {}
  for _, e in ipairs(entries) do
    local name = (e.id:match(":([^:]*)$") or e.id):lower()
    local d = distance(wanted, name)
    local near = d <= math.max(2, math.floor(#wanted / 3))
    if near or (#wanted >= 3 and (name:find(wanted, 1, true) or wanted:find(name, 1, true))) then
      scored[#scored + 1] = { id = e.id, d = d }
    end
  end
  table.sort(scored, function(x, y)
    if x.d ~= y.d then return x.d < y.d end
    return x.id < y.id
  end)
  local out = {}
  for i = 1, math.min(MAX_SUGGESTIONS, #scored) do out[i] = scored[i].id end
  return out
end

local function not_found(id)
  local close = suggestions(id)
  if #close > 0 then
    return { error = "not found: " .. id .. "; did you mean " .. table.concat(close, ", ") .. "?", suggestions = close }
  end
  return { error = "not found: " .. id .. "; create it with create_tool, or find existing tools with registry_list {type = \"tool\"}" }
end

local function handler(input)
  local id = type(input) == "table" and input.id or nil
  if type(id) ~= "string" or id == "" then
    return { error = "provide the tool id, e.g. {\"id\": \"app.generated:my_tool\"}" }
  end
  if not id:find(":", 1, true) then
    return not_found(id)
  end
  local entry, err = registry.get(id)
  if err then
    if errors.is(err, errors.NOT_FOUND) then return not_found(id) end
    return { error = "cannot read " .. id .. ": " .. tostring(err) }
  end
  if not entry then return not_found(id) end
  local meta = entry.meta or {}
  if meta.type ~= "tool" then
    return { error = "not a tool (meta.type != 'tool'): " .. id .. " is a " .. tostring(entry.kind) }
  end
  return {
    loaded = true,
    id = entry.id,
    alias = meta.llm_alias or id,
    description = meta.llm_description or "",
  }
end

return { handler = handler }
