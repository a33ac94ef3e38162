-- :checkhealth assistd — the binary and its version, then initialize's answer: backend and model.
local config = require("assistd.config")
local server = require("assistd.server")

local M = {}

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error = health.error or health.report_error
local info = health.info or health.report_info

function M.check()
  start("assistd")
  local cfg = config.get()
  local exe = vim.fn.exepath(cfg.cmd)
  if exe == "" then
    error("binary not found: " .. cfg.cmd, { "build it (swift build) and set setup{ cmd = '/path/to/assistd' }" })
    return
  end
  ok("binary: " .. exe)
  local version = vim.trim(vim.fn.system({ exe, "--version" }))
  if vim.v.shell_error ~= 0 then
    error("`" .. exe .. " --version` failed: " .. version)
    return
  end
  ok("version: " .. version)
  info("command: " .. table.concat(server.argv(), " "))

  local done, failure = false, nil
  server.ensure(function(err)
    done, failure = true, err
  end)
  vim.wait(10000, function()
    return done
  end, 20)
  if not done or failure then
    error("initialize failed: " .. (failure and tostring(failure.message) or "no answer within 10 s"))
    return
  end
  local answer = server.info
  ok(("initialize: protocol %s, server %s %s, transport %s"):format(
    tostring(answer.protocolVersion),
    tostring(answer.serverInfo and answer.serverInfo.name),
    tostring(answer.serverInfo and answer.serverInfo.version),
    tostring(server.kind)
  ))
  local backend = answer.backend or {}
  ok("backend: " .. tostring(backend.name))
  if backend.name == "dashscope" then
    ok("base_url: " .. tostring(backend.base_url))
  elseif type(backend.model) == "string" and backend.model:match("^unavailable") then
    warn("model: " .. backend.model)
  else
    ok("model: " .. tostring(backend.model))
  end
  if not (answer.capabilities and answer.capabilities.clientTools) then
    warn("this assistd does not call client tools (capabilities.clientTools)")
  end
  local names = vim.tbl_keys(cfg.tools or {})
  table.sort(names)
  info("Lua tools: " .. (#names > 0 and table.concat(names, ", ") or "none"))
end

return M
