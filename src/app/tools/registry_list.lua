-- registry_list: lists registry entries (id, kind, type, title, description), optionally filtered
-- by namespace, kind glob and meta.type, using registry.find's dotted selectors.
local registry = require("registry")

local MAX_ITEMS = 200

local function handler(input)
  if type(input) ~= "table" then input = {} end
  local filter = {}
  if type(input.namespace) == "string" and input.namespace ~= "" then filter[".ns"] = input.namespace end
  if type(input.kind) == "string" and input.kind ~= "" then filter[".kind"] = input.kind end
  if type(input.type) == "string" and input.type ~= "" then filter["meta.type"] = input.type end

  local entries, err = registry.find(filter)
  if err then
    return { error = tostring(err) }
  end

  local items = {}
  for _, e in ipairs(entries) do
    local meta = e.meta or {}
    items[#items + 1] = {
      id = e.id,
      kind = e.kind,
      type = meta.type,
      title = meta.title,
      description = meta.llm_description or meta.comment,
    }
  end
  table.sort(items, function(a, b) return a.id < b.id end)

  local total = #items
  local truncated = false
  if total > MAX_ITEMS then
    for i = total, MAX_ITEMS + 1, -1 do items[i] = nil end
    truncated = true
  end
  return { count = total, truncated = truncated, entries = items }
end

return { handler = handler }
