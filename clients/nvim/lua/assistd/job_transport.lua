-- JSON-RPC over jobstart() with our own framing, for Neovims without vim.lsp.rpc.start.
-- Same dispatcher contract as vim.lsp.rpc: notification, server_request, on_exit, on_error.
local framing = require("assistd.framing")

local M = {}

function M.start(argv, dispatchers)
  local callbacks, next_id, job = {}, 0, nil
  local closing = false
  local stderr = {} -- the last lines, to say why the process stopped

  local function send(message)
    if closing or not job then
      return false
    end
    return vim.fn.chansend(job, framing.encode(vim.json.encode(message))) > 0
  end

  local function handle(body)
    local ok, message = pcall(vim.json.decode, body, { luanil = { object = true } })
    if not ok or type(message) ~= "table" then
      dispatchers.on_error("invalid JSON from assistd", message)
      return
    end
    if type(message.method) == "string" and message.id ~= nil then
      local called, result, err = pcall(dispatchers.server_request, message.method, message.params)
      if not called then
        result, err = nil, { code = -32603, message = tostring(result) }
      end
      send({ jsonrpc = "2.0", id = message.id, result = err == nil and (result or vim.NIL) or nil, error = err })
    elseif type(message.method) == "string" then
      dispatchers.notification(message.method, message.params)
    elseif message.id ~= nil then
      local callback = callbacks[message.id]
      callbacks[message.id] = nil
      if callback then
        callback(message.error, message.result)
      end
    end
  end

  local read = framing.reader(handle)
  job = vim.fn.jobstart(argv, {
    on_stdout = function(_, data)
      read(table.concat(data, "\n"))
    end,
    on_stderr = function(_, data)
      for _, line in ipairs(data) do
        if line ~= "" then
          table.insert(stderr, line)
        end
      end
      while #stderr > 5 do
        table.remove(stderr, 1)
      end
    end,
    on_exit = function(_, code, signal)
      closing = true
      dispatchers.on_exit(code, signal)
    end,
  })
  if job <= 0 then
    return nil
  end

  return {
    pid = vim.fn.jobpid(job),
    request = function(method, params, callback)
      next_id = next_id + 1
      local id = next_id
      if not send({ jsonrpc = "2.0", id = id, method = method, params = params }) then
        return false
      end
      callbacks[id] = callback
      return true, id
    end,
    notify = function(method, params)
      return send({ jsonrpc = "2.0", method = method, params = params })
    end,
    stderr_tail = function()
      return table.concat(stderr, "\n")
    end,
    is_closing = function()
      return closing
    end,
    terminate = function()
      if not closing then
        vim.fn.jobstop(job)
      end
    end,
  }
end

return M
