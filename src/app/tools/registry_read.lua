-- registry_read: returns one registry entry (id, kind, meta, data) so the agent can inspect a tool.
-- Data is returned as stored, tool sources included; a missing id is a plain error result.
local registry = require("registry")

local function handler(input)
  local id = type(input) == "table" and input.id or nil
  if type(id) ~= "string" or id == "" then
    return { error = "provide an entry id, e.g. app.tools:doc_search" }
  end
  local entry, err = registry.get(id)
  if err then
    if errors.is(err, errors.NOT_FOUND) then
      return { error = "not found: " .. id }
    end
    return { error = tostring(err) }
  end
  if not entry then
    return { error = "not found: " .. id }
  end
  return { id = entry.id, kind = entry.kind, meta = entry.meta or {}, data = entry.data }
end

return { handler = handler }
