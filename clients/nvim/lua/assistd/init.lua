-- assistd for Neovim: chat buffers bound to assistd threads, streamed replies, Lua tools.
local config = require("assistd.config")

local M = {}

function M.setup(opts)
  local cfg = config.set(opts)
  require("assistd.commands").define()
  local keymaps = cfg.keymaps or {}
  if keymaps.chat then
    vim.keymap.set("n", keymaps.chat, "<cmd>AssistdChat<CR>", { desc = "assistd: new chat" })
  end
  if keymaps.ask then
    vim.keymap.set("x", keymaps.ask, ":AssistdAsk<CR>", { desc = "assistd: ask about the selection" })
  end
end

function M.chat(thread_id)
  require("assistd.chat").open(thread_id)
end

function M.threads()
  require("assistd.chat").pick()
end

function M.cancel()
  require("assistd.chat").cancel()
end

-- Asks question about lines first..last of the current buffer (prompting when question is empty).
function M.ask(first, last, question)
  local lines = vim.api.nvim_buf_get_lines(0, first - 1, last, false)
  local filetype = vim.bo.filetype
  local function send(q)
    if not q or vim.trim(q) == "" then
      return
    end
    local text = q .. "\n\n```" .. filetype .. "\n" .. table.concat(lines, "\n") .. "\n```"
    require("assistd.chat").ask(text)
  end
  if question and vim.trim(question) ~= "" then
    send(question)
  else
    vim.ui.input({ prompt = "Ask assistd: " }, send)
  end
end

function M.stop()
  require("assistd.server").stop()
end

return M
