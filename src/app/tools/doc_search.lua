-- doc_search: one docs page by path or a search by query, from the local reference pages (module docs),
-- asking the remote Wippy docs endpoint first when the app configured one (docs.remote(), set from
-- MICRO_AGI_DOCS_REMOTE); bodies cut at 8000 chars.
local http_client = require("http_client")
local json = require("json")
local docs = require("docs")

local MAX_LEN = 8000
local MAX_RESULTS = 5
local SNIPPET_LEN = 300
local HEADERS = { ["User-Agent"] = "micro-agi/1.0" }

local function truncate(text, max)
  max = max or MAX_LEN
  if #text > max then
    return text:sub(1, max) .. "\n... (truncated)"
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

local function text_of(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then return tostring(v) end
  return nil
end

-- Remote search answers are not specified; accept a list of items or {results = list}, each item
-- carrying path/id, title and snippet/summary/content. Anything else is returned as text.
local function remote_results(body)
  local decoded = json.decode(body)
  local list = type(decoded) == "table" and (decoded.results or decoded) or nil
  if type(list) ~= "table" or #list == 0 then return nil end
  local out = {}
  for _, item in ipairs(list) do
    if type(item) == "table" then
      local path = text_of(item.path) or text_of(item.id) or text_of(item.chunk_id)
      if path then
        local snippet = text_of(item.snippet) or text_of(item.summary) or text_of(item.content) or ""
        out[#out + 1] = {
          path = path,
          title = text_of(item.title) or path,
          snippet = truncate(snippet, SNIPPET_LEN),
          source = "remote",
        }
        if #out >= MAX_RESULTS then break end
      end
    end
  end
  if #out == 0 then return nil end
  return out
end

local function local_results(query)
  local hits, err = docs.search(query, { limit = MAX_RESULTS })
  if err then return nil, err end
  local out = {}
  for _, h in ipairs(hits) do
    out[#out + 1] = { path = h.path, title = h.title, snippet = h.snippet, source = "local" }
  end
  return out
end

local function by_path(input_path)
  local path = input_path:gsub("^/+", ""):gsub("%.md$", "")
  local base = docs.remote()
  local remote_err
  if base then
    local body, err = fetch(base .. "/path/en/" .. path)
    if body then
      return { path = path, content = truncate(body), source = "remote" }
    end
    remote_err = err
  end
  local page, err = docs.page(path)
  if err then
    local message = err:message()
    if remote_err then message = message .. " (remote: " .. remote_err .. ")" end
    return { error = message }
  end
  local out = { path = page.path, content = page.content, source = "local" }
  if remote_err then out.remote_error = remote_err end
  return out
end

local function by_query(query)
  local base = docs.remote()
  local results, remote_err, remote_text = {}, nil, nil
  if base then
    local body, err = fetch(base .. "/search?q=" .. http_client.encode_uri(query))
    if body then
      local items = remote_results(body)
      if items then
        for _, item in ipairs(items) do results[#results + 1] = item end
      else
        remote_text = truncate(body)
      end
    else
      remote_err = err
    end
  end
  local hits, err = local_results(query)
  if err then
    if #results == 0 and not remote_text then return { error = err:message() } end
  else
    for _, h in ipairs(hits) do results[#results + 1] = h end
  end
  local out = { results = results }
  if #results == 0 and not remote_text then
    local paths = docs.paths()
    out.message = "no page matches; try other words, or read one of: " .. table.concat(paths, ", ")
  end
  if remote_text then out.remote = remote_text end
  if remote_err then out.remote_error = remote_err end
  return out
end

local function handler(input)
  if type(input) ~= "table" then input = {} end
  if type(input.path) == "string" and input.path ~= "" then
    return by_path(input.path)
  end
  if type(input.query) == "string" and input.query ~= "" then
    return by_query(input.query)
  end
  return { error = "provide either 'path' or 'query'" }
end

return { handler = handler }
