-- registry_read: one registry entry {id, kind, meta, data (tool source included), versions} where
-- versions is the length of the entry's history; a missing id is an {error} naming it.
local registry = require("registry")

local function handler(input)
  local id = type(input) == "table" and input.id or nil
  if type(id) ~= "string" or id == "" then
    return { error = "provide an entry id, e.g. {\"id\": \"app.tools:doc_search\"}" }
  end
  if not id:find(":", 1, true) then
    return { error = "invalid id \"" .. id .. "\": ids are \"namespace:name\", e.g. app.generated:word_count" }
  end
  local entry, err = registry.get(id)
  if err then
    if errors.is(err, errors.NOT_FOUND) then
      return { error = "not found: " .. id .. "; list entries with registry_list" }
    end
    return { error = "cannot read " .. id .. ": " .. tostring(err) }
  end
  local history, herr = registry.history(id)
  if herr then return { error = "cannot read the history of " .. id .. ": " .. tostring(herr) } end
  return {
    id = entry.id,
    kind = entry.kind,
    meta = entry.meta or {},
    data = entry.data,
    versions = #history,
  }
end

return { handler = handler }
