-- The user commands and the exit hook; defined once, by plugin/assistd.lua or by setup().
local M = {}

function M.define()
  if M.defined then
    return
  end
  M.defined = true
  local function assistd()
    return require("assistd")
  end

  vim.api.nvim_create_user_command("AssistdChat", function(opts)
    assistd().chat(opts.args ~= "" and opts.args or nil)
  end, { nargs = "?", desc = "Open a chat buffer on a new thread (or on the thread id given)" })

  vim.api.nvim_create_user_command("AssistdThreads", function()
    assistd().threads()
  end, { desc = "Pick a past thread and open its chat" })

  vim.api.nvim_create_user_command("AssistdCancel", function()
    assistd().cancel()
  end, { desc = "Cancel the run of this chat (or of the last chat)" })

  vim.api.nvim_create_user_command("AssistdAsk", function(opts)
    assistd().ask(opts.line1, opts.line2, opts.args)
  end, { nargs = "*", range = true, desc = "Ask a question about the selected lines" })

  vim.api.nvim_create_user_command("AssistdStop", function()
    assistd().stop()
  end, { desc = "Stop the assistd process (the next command starts it again)" })

  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = vim.api.nvim_create_augroup("assistd", { clear = true }),
    callback = function()
      if package.loaded["assistd.server"] then
        require("assistd.server").stop(1000)
      end
    end,
  })
end

return M
