-- The plugin's settings: defaults merged with what setup{} was given.
local M = {}

M.defaults = {
  cmd = "assistd", -- the binary: a name on PATH or a path
  args = {}, -- extra command-line flags
  backend = nil, -- "local" | "dashscope" (nil: assistd decides)
  model = nil, -- local backend's chat model: "embedded", "openai", "scripted:FILE"
  data_dir = nil, -- local backend's database directory
  ephemeral = false, -- local backend: keep everything in memory
  log_level = "warning", -- assistd's stderr log level
  initialization_options = nil, -- sent in initialize (dashscope: api_key, region, …)
  transport = "auto", -- "auto" (vim.lsp.rpc when present) | "lsp" | "job"
  -- { id = "asst_…" }, or what assistants/create gets (the Lua tools are added)
  assistant = { model = "qwen-max", name = "assistd.nvim" },
  -- name = { description = "…", parameters = <JSON Schema>, run = function(args) return "…" end }
  tools = {},
  keymaps = {
    send = "<CR>", -- chat buffer, normal mode: send the text below the prompt line
    cancel = "<C-c>", -- chat buffer, normal mode: cancel the run
    chat = nil, -- global, normal mode: :AssistdChat
    ask = nil, -- global, visual mode: :AssistdAsk on the selection
  },
  window = "vsplit", -- where chat buffers open: "vsplit" | "split" | "tabnew" | "current"
  index_file = nil, -- the thread index (default: stdpath("data")/assistd/threads.json)
}

local current = vim.deepcopy(M.defaults)

function M.set(opts)
  current = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  if opts and opts.tools then
    current.tools = opts.tools -- tables of functions: keep them as given
  end
  return current
end

function M.get()
  return current
end

return M
