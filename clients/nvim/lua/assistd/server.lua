-- The one assistd of this editor session: started on first use, initialized, stopped on exit.
-- Routes runs/event notifications and tools/call requests to the stream that opened them.
local config = require("assistd.config")

local M = {
  state = "stopped", -- stopped | starting | ready | stopping
  info = nil, -- initialize's result
  pid = nil,
  kind = nil, -- the transport: "lsp" or "job"
  exit_code = nil,
}

M.CLIENT_VERSION = "0.1.0"
M.NOT_RUNNING = -32099 -- our own code for "the process is gone"

local client = nil
local waiting = {} -- callbacks of ensure() while starting
local streams = {} -- request id -> { on_event, on_tool, done }

function M.notify_error(method, err)
  vim.notify(("assistd: %s: %s (%s)"):format(method, tostring(err.message), tostring(err.code)), vim.log.levels.ERROR)
end

function M.argv()
  local cfg = config.get()
  local argv = { vim.fn.exepath(cfg.cmd) ~= "" and vim.fn.exepath(cfg.cmd) or cfg.cmd }
  vim.list_extend(argv, { "--stdio", "--framing", "lsp", "--log-level", cfg.log_level })
  if cfg.backend then
    vim.list_extend(argv, { "--backend", cfg.backend })
  end
  if cfg.model then
    vim.list_extend(argv, { "--model", cfg.model })
  end
  if cfg.ephemeral then
    table.insert(argv, "--ephemeral")
  elseif cfg.data_dir then
    vim.list_extend(argv, { "--data-dir", vim.fn.expand(cfg.data_dir) })
  end
  return vim.list_extend(argv, cfg.args or {})
end

-- Which store threads live in: the index keeps threads per store.
function M.store_key()
  local backend = M.info and M.info.backend or {}
  return (backend.name or "?") .. ":" .. (backend.data_path or backend.base_url or "")
end

function M.is_persistent()
  local backend = M.info and M.info.backend or {}
  return backend.data_path ~= ":memory:"
end

local function flush(err)
  local callbacks = waiting
  waiting = {}
  for _, callback in ipairs(callbacks) do
    callback(err)
  end
end

local function on_exit(code, stderr_tail)
  local expected = M.state == "stopping"
  M.state, M.exit_code, client = "stopped", code, nil
  local why = (stderr_tail and stderr_tail ~= "") and (": " .. stderr_tail) or ""
  local gone = { code = M.NOT_RUNNING, message = "assistd exited (code " .. tostring(code) .. ")" .. why }
  local open = streams
  streams = {}
  for _, stream in pairs(open) do
    stream.done(gone, nil)
  end
  flush(gone)
  if not expected then
    vim.notify("assistd: " .. gone.message, vim.log.levels.WARN)
  end
end

local dispatchers = {
  notification = function(method, params)
    if method == "runs/event" and type(params) == "table" then
      local stream = streams[params.request]
      if stream and stream.on_event then
        stream.on_event(params.event, params.data)
      end
    end
  end,
  server_request = function(method, params)
    if method ~= "tools/call" or type(params) ~= "table" then
      return nil, { code = -32601, message = "Method not found: " .. tostring(method) }
    end
    local result, err = require("assistd.tools").call(config.get().tools, params)
    local stream = streams[params.request]
    if stream and stream.on_tool then
      pcall(stream.on_tool, params.tool_call, result, err)
    end
    return result, err
  end,
  on_exit = function(code)
    vim.schedule(function()
      on_exit(code, client and client.stderr_tail())
    end)
  end,
  on_error = function(code, err)
    vim.schedule(function()
      vim.notify("assistd: transport error " .. tostring(code) .. ": " .. vim.inspect(err), vim.log.levels.WARN)
    end)
  end,
}

-- Calls callback(err) once assistd is initialized (starting it when needed).
function M.ensure(callback)
  if M.state == "ready" then
    return callback(nil)
  end
  table.insert(waiting, callback)
  if M.state == "starting" or M.state == "stopping" then
    return
  end
  local cfg = config.get()
  local argv = M.argv()
  if vim.fn.executable(argv[1]) ~= 1 then
    local err = { code = M.NOT_RUNNING, message = "assistd binary not found: " .. cfg.cmd }
    M.notify_error("start", err)
    return flush(err)
  end
  M.state, M.exit_code = "starting", nil
  client = require("assistd.transport").start(argv, dispatchers, cfg.transport)
  if not client then
    M.state = "stopped"
    local err = { code = M.NOT_RUNNING, message = "could not start " .. argv[1] }
    M.notify_error("start", err)
    return flush(err)
  end
  M.pid, M.kind = client.pid, client.kind
  local params = {
    processId = vim.fn.getpid(),
    clientInfo = { name = "assistd.nvim", version = M.CLIENT_VERSION },
    capabilities = { tools = { call = true } },
    initializationOptions = cfg.initialization_options,
  }
  client.request("initialize", params, function(err, result)
    if err then
      M.notify_error("initialize", err)
      M.stop(1000)
      return flush(err)
    end
    M.info = result
    M.state = "ready"
    client.notify("initialized", vim.empty_dict())
    if not tostring(result.protocolVersion or ""):match("^1%.") then
      vim.notify("assistd: protocol " .. tostring(result.protocolVersion) .. " is not 1.x", vim.log.levels.WARN)
    end
    flush(nil)
  end)
end

-- Sends a request on a ready server; returns its id. Errors are notified unless opts.quiet.
local function send(method, params, callback, opts)
  local function done(err, result)
    if err and not (opts and opts.quiet) then
      M.notify_error(method, err)
    end
    if callback then
      callback(err, result)
    end
  end
  local ok, id = false, nil
  if client and M.state == "ready" then
    ok, id = client.request(method, params, done)
  end
  if not ok then
    done({ code = M.NOT_RUNNING, message = "assistd is not running" }, nil)
    return nil
  end
  return id
end

function M.request(method, params, callback, opts)
  M.ensure(function(err)
    if err then
      return callback and callback(err, nil)
    end
    send(method, params, callback, opts)
  end)
end

-- A streamed request: handlers.on_event(event, data) per runs/event, handlers.on_tool(tool_call,
-- result, err) per tools/call; callback(err, result) at the end. handlers.request_id is set.
function M.stream(method, params, handlers, callback)
  M.ensure(function(err)
    if err then
      return callback(err, nil)
    end
    local id
    handlers.done = function(e, result)
      streams[id] = nil
      callback(e, result)
    end
    id = send(method, params, function(e, result)
      if streams[id] then
        handlers.done(e, result)
      end
    end)
    if id then
      handlers.request_id = id
      streams[id] = handlers
    end
  end)
end

-- Stops listening to a stream and asks assistd to stop it ($/cancelRequest; the run goes on).
function M.cancel_request(id)
  streams[id] = nil
  if client and id then
    client.notify("$/cancelRequest", { id = id })
  end
end

-- shutdown, exit, and a kill if it is still there after timeout_ms.
function M.stop(timeout_ms)
  timeout_ms = timeout_ms or 2000
  if not client then
    return
  end
  local stopping = client
  M.state = "stopping"
  local answered = false
  stopping.request("shutdown", nil, function()
    answered = true
  end)
  vim.wait(timeout_ms, function()
    return answered
  end, 10)
  stopping.notify("exit", nil)
  vim.wait(timeout_ms, function()
    return M.state == "stopped"
  end, 10)
  if M.state ~= "stopped" then
    stopping.terminate()
    vim.wait(timeout_ms, function()
      return M.state == "stopped"
    end, 10)
  end
  if M.state ~= "stopped" then
    M.state, client = "stopped", nil
  end
  M.info = nil
end

return M
