-- The assistant chats run with: setup's assistant.id, or one created from setup's
-- assistant fields plus the Lua tools (remembered in the index per store and definition).
local config = require("assistd.config")
local server = require("assistd.server")
local index = require("assistd.index")
local tools = require("assistd.tools")

local M = {}
local session_ids = {} -- definition key -> id, for stores that are not persistent

-- JSON with sorted keys, so that one definition always gives one key.
local function canonical(value)
  if type(value) ~= "table" then
    return vim.json.encode(value)
  end
  local parts = {}
  if (vim.islist or vim.tbl_islist)(value) and next(value) ~= nil then
    for _, item in ipairs(value) do
      table.insert(parts, canonical(item))
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys)
  for _, k in ipairs(keys) do
    table.insert(parts, vim.json.encode(tostring(k)) .. ":" .. canonical(value[k]))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function create_params()
  local cfg = config.get()
  local params = vim.deepcopy(cfg.assistant or {})
  params.id = nil
  local definitions = tools.definitions(cfg.tools)
  vim.list_extend(definitions, params.tools or {})
  params.tools = definitions
  return params
end

-- callback(err, assistant_id)
function M.ensure(callback)
  local cfg = config.get()
  if cfg.assistant and cfg.assistant.id then
    return callback(nil, cfg.assistant.id)
  end
  server.ensure(function(err)
    if err then
      return callback(err, nil)
    end
    local params = create_params()
    local key = server.store_key() .. " " .. canonical(params)
    local known = session_ids[key] or (server.is_persistent() and index.assistant(key))
    local function create()
      server.request("assistants/create", params, function(e, assistant)
        if e then
          return callback(e, nil)
        end
        session_ids[key] = assistant.id
        if server.is_persistent() then
          index.set_assistant(key, assistant.id)
        end
        callback(nil, assistant.id)
      end)
    end
    if not known then
      return create()
    end
    server.request("assistants/retrieve", { assistant_id = known }, function(e)
      if e then
        return create() -- deleted since: make a new one
      end
      session_ids[key] = known
      callback(nil, known)
    end, { quiet = true })
  end)
end

return M
