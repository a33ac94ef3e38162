-- Chat buffers: one per thread. The text below the last prompt line is the next message;
-- the reply streams in below it as thread.message.delta events arrive (see transcript.lua).
local config = require("assistd.config")
local server = require("assistd.server")
local index = require("assistd.index")
local assistant = require("assistd.assistant")
local transcript = require("assistd.transcript")

local M = {}

local chats = {} -- bufnr -> { thread_id, run = nil | { request_id, run_id, final, cancel_requested, detached } }
local last_chat = nil

local function find_buffer(thread_id)
  for buf, chat in pairs(chats) do
    if chat.thread_id == thread_id and transcript.valid(buf) then
      return buf
    end
  end
end

local function create_buffer(thread_id)
  local buf = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_buf_set_name(buf, "assistd://" .. thread_id)
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = "markdown"
  vim.api.nvim_buf_set_var(buf, "assistd_thread_id", thread_id)
  local keymaps = config.get().keymaps or {}
  if keymaps.send then
    vim.keymap.set("n", keymaps.send, function()
      M.send(buf)
    end, { buffer = buf, desc = "assistd: send the message below the prompt line" })
  end
  if keymaps.cancel then
    vim.keymap.set("n", keymaps.cancel, function()
      M.cancel(buf)
    end, { buffer = buf, desc = "assistd: cancel the run" })
  end
  vim.api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    callback = function()
      chats[buf] = nil
    end,
  })
  chats[buf] = { thread_id = thread_id }
  last_chat = buf
  return buf
end

local function show(buf)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == buf then
      vim.api.nvim_set_current_win(win)
      return
    end
  end
  local window = config.get().window
  if window ~= "current" then
    vim.cmd(window)
  end
  vim.api.nvim_win_set_buf(0, buf)
  transcript.follow(buf)
end

-- Opens the chat of thread_id (loading its messages), or of a new thread; then(buf) after.
function M.open(thread_id, after)
  server.ensure(function(err)
    if err then
      return
    end
    local existing = thread_id and find_buffer(thread_id)
    if existing then
      show(existing)
      last_chat = existing
      return after and after(existing)
    end
    if thread_id then
      server.request("messages/list", { thread_id = thread_id, order = "asc", limit = 100 }, function(e, list)
        if e then
          return
        end
        local buf = create_buffer(thread_id)
        transcript.render(buf, list.data or {})
        show(buf)
        return after and after(buf)
      end)
    else
      server.request("threads/create", vim.empty_dict(), function(e, thread)
        if e then
          return
        end
        local buf = create_buffer(thread.id)
        vim.api.nvim_buf_set_lines(buf, 0, -1, false, { transcript.PROMPT, "" })
        show(buf)
        return after and after(buf)
      end)
    end
  end)
end

local function finish(buf, chat, line)
  chat.run = nil
  if not transcript.valid(buf) then
    return
  end
  if line then
    transcript.note(buf, line)
  end
  transcript.prompt(buf)
end

local function cancel_run(buf, chat, run)
  run.cancel_sent = true
  server.request("runs/cancel", { thread_id = chat.thread_id, run_id = run.run_id }, function(err)
    if err and chat.run == run then
      -- The backend cannot cancel runs: stop listening instead; the run goes on.
      run.detached = true
      server.cancel_request(run.request_id)
      finish(buf, chat, "[stream stopped; the run goes on]")
    end
  end)
end

local function on_event(buf, chat, run, event, data)
  if run.detached or type(data) ~= "table" then
    return
  end
  if data.object == "thread.run" then
    run.run_id, run.final = data.id, data
    if run.cancel_requested and not run.cancel_sent then
      cancel_run(buf, chat, run)
    end
  elseif event == "thread.message.delta" and type(data.delta) == "table" then
    for _, content in ipairs(data.delta.content or {}) do
      if content.type == "text" and type(content.text) == "table" then
        transcript.stream_text(buf, content.text.value or "")
      end
    end
  end
end

local function on_tool(buf, tool_call, result, err)
  local body = tool_call[tool_call.type or "function"] or {}
  local name = tool_call.type == "function" and body.name or tool_call.type
  local answer = err and ("error: " .. tostring(err.message)) or result.output
  transcript.note(buf, ("[tool %s %s -> %s]"):format(tostring(name), tostring(body.arguments), answer))
end

local function start_run(buf, chat, assistant_id)
  local run = chat.run
  -- the typed message stays under its prompt line; the reply goes under a reply line
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local last = #lines
  while last > 1 and lines[last] == "" do
    last = last - 1
  end
  vim.api.nvim_buf_set_lines(buf, last, -1, false, { "", transcript.REPLY, "" })
  transcript.follow(buf)
  local params = { thread_id = chat.thread_id, assistant_id = assistant_id, stream = true, handle_tools = true }
  local handlers = {
    on_event = function(event, data)
      on_event(buf, chat, run, event, data)
    end,
    on_tool = function(tool_call, result, err)
      on_tool(buf, tool_call, result, err)
    end,
  }
  server.stream("runs/create", params, handlers, function(err, result)
    if not run.detached then
      finish(buf, chat, transcript.outcome(err, result or run.final))
    end
  end)
  run.request_id = handlers.request_id
end

local function current_chat_buffer(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  if chats[buf] then
    return buf
  end
end

-- Sends the text below the last prompt line of the chat buffer.
function M.send(buf)
  buf = current_chat_buffer(buf)
  local chat = buf and chats[buf]
  if not chat then
    return vim.notify("assistd: not a chat buffer (:AssistdChat opens one)", vim.log.levels.WARN)
  end
  if chat.run then
    return vim.notify("assistd: a run is in progress; :AssistdCancel stops it", vim.log.levels.WARN)
  end
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local at = transcript.last_prompt(lines)
  local text = at and vim.trim(table.concat(lines, "\n", at + 1)) or ""
  if not at then
    transcript.prompt(buf)
  end
  if text == "" then
    return vim.notify("assistd: write your message below the '" .. transcript.PROMPT .. "' line", vim.log.levels.WARN)
  end
  chat.run = {}
  last_chat = buf
  assistant.ensure(function(err, assistant_id)
    if err then
      chat.run = nil
      return
    end
    local params = { thread_id = chat.thread_id, role = "user", content = text }
    server.request("messages/create", params, function(e)
      if e then
        chat.run = nil -- the text stays where it is, to send again
        return
      end
      if server.is_persistent() then
        index.touch(server.store_key(), chat.thread_id, text)
      end
      start_run(buf, chat, assistant_id)
    end)
  end)
end

-- Cancels the run of the chat buffer (or of the last chat used).
function M.cancel(buf)
  buf = current_chat_buffer(buf) or last_chat
  local chat = buf and chats[buf]
  if not chat or not chat.run then
    return vim.notify("assistd: no run in progress", vim.log.levels.WARN)
  end
  local run = chat.run
  run.cancel_requested = true
  if run.run_id and not run.cancel_sent then
    cancel_run(buf, chat, run)
  end -- else: sent as soon as the run's id arrives
end

-- Sends a message (the selection with a question) in the last chat, or a new one.
function M.ask(text)
  local function put(buf)
    local at = transcript.last_prompt(vim.api.nvim_buf_get_lines(buf, 0, -1, false))
    if not at then
      transcript.prompt(buf)
      at = vim.api.nvim_buf_line_count(buf) - 1
    end
    vim.api.nvim_buf_set_lines(buf, at, -1, false, vim.split(text, "\n", { plain = true }))
    M.send(buf)
  end
  if transcript.valid(last_chat) and chats[last_chat] then
    show(last_chat)
    put(last_chat)
  else
    M.open(nil, put)
  end
end

-- Picks a thread of this store from the index and opens it.
function M.pick()
  server.ensure(function(err)
    if err then
      return
    end
    local threads = index.threads(server.store_key())
    if #threads == 0 then
      return vim.notify("assistd: no threads yet (:AssistdChat starts one)", vim.log.levels.INFO)
    end
    vim.ui.select(threads, {
      prompt = "assistd threads",
      format_item = function(thread)
        return os.date("%Y-%m-%d %H:%M", thread.updated_at) .. "  " .. (thread.title ~= "" and thread.title or thread.id)
      end,
    }, function(thread)
      if thread then
        M.open(thread.id)
      end
    end)
  end)
end

function M.is_running(buf)
  return chats[buf] ~= nil and chats[buf].run ~= nil
end

return M
