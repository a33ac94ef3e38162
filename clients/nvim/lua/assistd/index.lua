-- The thread index: a JSON file of the threads this plugin started, newest first, per store,
-- and the assistants it created (so that each setup creates its assistant once).
local config = require("assistd.config")

local M = {}

function M.path()
  return config.get().index_file or (vim.fn.stdpath("data") .. "/assistd/threads.json")
end

function M.read()
  local path = M.path()
  if vim.fn.filereadable(path) == 1 then
    local ok, data = pcall(vim.json.decode, table.concat(vim.fn.readfile(path), "\n"))
    if ok and type(data) == "table" then
      data.threads = data.threads or {}
      data.assistants = data.assistants or {}
      return data
    end
  end
  return { threads = {}, assistants = {} }
end

local function write(data)
  local path = M.path()
  vim.fn.mkdir(vim.fn.fnamemodify(path, ":h"), "p")
  if vim.tbl_isempty(data.assistants) then
    data.assistants = vim.empty_dict()
  end
  vim.fn.writefile({ vim.json.encode(data) }, path)
end

-- Records that a thread of the store was used; the first message becomes its title.
function M.touch(store, thread_id, message)
  local data = M.read()
  local entry
  for i, thread in ipairs(data.threads) do
    if thread.id == thread_id and thread.store == store then
      entry = table.remove(data.threads, i)
      break
    end
  end
  if not entry then
    local title = vim.trim((message or ""):gsub("%s+", " "))
    if #title > 60 then
      title = title:sub(1, 57) .. "..."
    end
    entry = { id = thread_id, store = store, title = title, created_at = os.time() }
  end
  entry.updated_at = os.time()
  table.insert(data.threads, 1, entry)
  write(data)
end

function M.threads(store)
  return vim.tbl_filter(function(thread)
    return thread.store == store
  end, M.read().threads)
end

function M.assistant(key)
  return M.read().assistants[key]
end

function M.set_assistant(key, id)
  local data = M.read()
  data.assistants[key] = id
  write(data)
end

return M
