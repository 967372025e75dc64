-- doc_search: reads the Wippy docs LLM endpoint, one page by path or a search by query.
-- Bodies are truncated to 8000 characters; non-200 answers come back as {error = "HTTP <code>"}.
local http_client = require("http_client")
local json = require("json")

local BASE_URL = "https://wippy.ai/llm"
local MAX_LEN = 8000
local HEADERS = { ["User-Agent"] = "wippy-agent/1.0" }

local function truncate(text)
  if #text > MAX_LEN then
    return text:sub(1, MAX_LEN) .. "\n... (truncated)"
  end
  return text
end

local function fetch(url)
  local resp, err = http_client.get(url, { headers = HEADERS, timeout = "15s" })
  if err then
    return nil, tostring(err)
  end
  if resp.status_code ~= 200 then
    return nil, "HTTP " .. tostring(resp.status_code)
  end
  return resp.body or ""
end

local function handler(input)
  if type(input) ~= "table" then input = {} end

  if type(input.path) == "string" and input.path ~= "" then
    local path = input.path:gsub("^/+", ""):gsub("%.md$", "")
    local body, err = fetch(BASE_URL .. "/path/en/" .. path)
    if not body then
      return { error = err }
    end
    return { path = path, content = truncate(body) }
  end

  if type(input.query) == "string" and input.query ~= "" then
    local body, err = fetch(BASE_URL .. "/search?q=" .. http_client.encode_uri(input.query))
    if not body then
      return { error = err }
    end
    local decoded = json.decode(body)
    if type(decoded) == "table" then
      return { results = decoded }
    end
    return { results = truncate(body) }
  end

  return { error = "provide either 'path' or 'query'" }
end

return { handler = handler }
