-- load_tool: checks that a registry entry exists and is a tool, so the agent can add it to the session.
-- The agent loop sees `loaded = true` in the result and hot-loads the tool before its next step.
local registry = require("registry")

local function handler(input)
  local id = type(input) == "table" and input.id or nil
  if type(id) ~= "string" or id == "" then
    return { error = "provide the tool id, e.g. app.generated:my_tool" }
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
  local meta = entry.meta or {}
  if meta.type ~= "tool" then
    return { error = "not a tool (meta.type != 'tool'): " .. id }
  end
  return {
    loaded = true,
    id = entry.id,
    alias = meta.llm_alias or id,
    description = meta.llm_description or "",
  }
end

return { handler = handler }
