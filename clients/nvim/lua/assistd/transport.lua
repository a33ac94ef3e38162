-- Starts assistd and returns {kind, pid, request, notify, stderr_tail, is_closing, terminate}:
-- vim.lsp.rpc.start where present (its signature changed in 0.10), else our jobstart transport.
local M = {}

local function lsp_rpc(argv, dispatchers)
  local rpc = require("vim.lsp.rpc")
  local client
  if vim.fn.has("nvim-0.10") == 1 then
    client = rpc.start(argv, dispatchers)
  else
    client = rpc.start(argv[1], vim.list_slice(argv, 2), dispatchers)
  end
  if not client then
    return nil
  end
  return {
    kind = "lsp",
    pid = client.pid,
    request = client.request,
    notify = client.notify,
    stderr_tail = function()
      -- vim.lsp.rpc writes the process's stderr to the LSP log
      local ok, path = pcall(vim.lsp.get_log_path)
      return ok and ("its stderr is in " .. path) or ""
    end,
    is_closing = client.is_closing or function()
      return client.handle == nil or client.handle:is_closing()
    end,
    terminate = client.terminate or function()
      if client.handle and not client.handle:is_closing() then
        client.handle:kill(15)
      end
    end,
  }
end

function M.start(argv, dispatchers, kind)
  if kind == "auto" then
    local has_rpc = pcall(require, "vim.lsp.rpc") and require("vim.lsp.rpc").start ~= nil
    kind = has_rpc and "lsp" or "job"
  end
  if kind == "lsp" then
    return lsp_rpc(argv, dispatchers)
  end
  local client = require("assistd.job_transport").start(argv, dispatchers)
  if client then
    client.kind = "job"
  end
  return client
end

return M
