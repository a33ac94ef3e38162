-- Headless tests of assistd.nvim against the real assistd with the scripted test model.
-- Environment: ASSISTD_BIN (the binary), ASSISTD_TRANSPORT (auto|lsp|job),
-- ASSISTD_TEST_RESULTS (a file: one "ok - …" / "not ok - …" line per test),
-- ASSISTD_TEST_PIDS (a file: the pid of every assistd started, for run.sh to check),
-- ASSISTD_TEST_TRACE (the --trace file of the assistd left running when the tests quit).
local bin = assert(os.getenv("ASSISTD_BIN"), "ASSISTD_BIN is not set")
local transport = os.getenv("ASSISTD_TRANSPORT") or "auto"
local results_path = assert(os.getenv("ASSISTD_TEST_RESULTS"))
local pids_path = assert(os.getenv("ASSISTD_TEST_PIDS"))
local exit_trace_path = assert(os.getenv("ASSISTD_TEST_TRACE"))
local tmp = vim.fn.tempname()
vim.fn.mkdir(tmp, "p")

local script = {
  turns = { { text = "Default reply." } },
  rules = {
    { when_last_is_tool = true, turn = { text = "The sum is {{last_tool_output}}." } },
    { when_last_user_contains = "hello", turn = { text = "Hello there friend\nsecond line", chunks = 4, delay_ms = 30 } },
    {
      when_last_user_contains = "add",
      turn = { tool_calls = { { name = "big_add", arguments = { left = 87787, right = 788988737 } } } },
    },
    {
      when_last_user_contains = "slow",
      turn = { text = "one two three four five six seven eight nine ten", chunks = 10, delay_ms = 300 },
    },
    { when_last_user_contains = "fail", turn = { error = { kind = "server", message = "model exploded" } } },
    { when_last_user_contains = "what is this", turn = { text = "It is Lua." } },
  },
}
local script_path = tmp .. "/script.json"
vim.fn.writefile({ vim.json.encode(script) }, script_path)

local notes = {}
vim.notify = function(message)
  table.insert(notes, message)
end

local tool_calls = {}
local options = {
  cmd = bin,
  model = "scripted:" .. script_path,
  data_dir = tmp .. "/data",
  transport = transport,
  index_file = tmp .. "/threads.json",
  assistant = { model = "qwen-max", name = "nvim test", instructions = "Be brief." },
  tools = {
    big_add = {
      description = "Add two integers",
      parameters = {
        type = "object",
        properties = { left = { type = "integer" }, right = { type = "integer" } },
        required = { "left", "right" },
      },
      run = function(args)
        table.insert(tool_calls, args)
        return args.left + args.right
      end,
    },
  },
}
vim.cmd("runtime plugin/assistd.lua")
require("assistd").setup(options)
local server = require("assistd.server")
local chat = require("assistd.chat")
local expected_kind = transport == "job" and "job" or "lsp"

local results = {}
local function test(name, body)
  local ok, err = xpcall(body, debug.traceback)
  local line = (ok and "ok - " or "not ok - ") .. "nvim/" .. transport .. ": " .. name
  if not ok then
    line = line .. "\n" .. tostring(err):gsub("\n", "\n    ")
  end
  io.stdout:write(line .. "\n")
  table.insert(results, line)
end

local function wait_for(what, condition, ms)
  if not vim.wait(ms or 15000, condition, 10) then
    error("timed out waiting for " .. what, 2)
  end
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function text(buf)
  return table.concat(lines(buf), "\n")
end

local function expect_equal(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(("%s\nexpected: %s\nactual:   %s"):format(what, vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function expect_contains(haystack, needle, what)
  if not haystack:find(needle, 1, true) then
    error(("%s: %s not found in\n%s"):format(what, vim.inspect(needle), haystack), 2)
  end
end

-- Child processes of this Neovim that are assistd (newer vim.lsp.rpc clients hide their pid).
local function assistd_children()
  local pids = {}
  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    local proc = vim.api.nvim_get_proc(pid)
    if proc and proc.name and proc.name:find("assistd", 1, true) then
      table.insert(pids, pid)
    end
  end
  return pids
end

local function remember_pid()
  for _, pid in ipairs(assistd_children()) do
    vim.fn.writefile({ tostring(pid) }, pids_path, "a")
  end
end

-- Types message below the last prompt line and sends it with the buffer's <CR> mapping.
local function send(buf, message)
  local count = vim.api.nvim_buf_line_count(buf)
  expect_equal(vim.api.nvim_buf_get_lines(buf, count - 2, count, false), { "### You", "" }, "the prompt before sending")
  vim.api.nvim_buf_set_lines(buf, count - 1, count, false, vim.split(message, "\n"))
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('execute "normal \\<CR>"')
end

local function wait_until_idle(buf)
  wait_for("the run to end", function()
    return not chat.is_running(buf)
  end)
end

local function tail(buf, n)
  local all = lines(buf)
  return vim.list_slice(all, #all - n + 1, #all)
end

test("a missing binary is reported by checkhealth and by the commands", function()
  require("assistd").setup(vim.tbl_extend("force", options, { cmd = tmp .. "/no-such-assistd" }))
  notes = {}
  vim.cmd("AssistdChat")
  vim.cmd("checkhealth assistd")
  local report = text(0)
  vim.cmd("bwipeout!")
  require("assistd").setup(options)
  expect_contains(report, "binary not found: " .. tmp .. "/no-such-assistd", "health")
  expect_contains(notes[1] or "", "assistd binary not found: " .. tmp .. "/no-such-assistd", "the notification")
  expect_equal(server.state, "stopped", "state")
end)

test("an assistd that exits at once is reported with the reason", function()
  require("assistd").setup(vim.tbl_extend("force", options, { args = { "--bogus" } }))
  notes = {}
  vim.cmd("AssistdChat")
  wait_for("the notification", function()
    return server.state == "stopped" and #notes > 0
  end)
  require("assistd").setup(options)
  expect_contains(notes[1], "assistd: assistd exited (code 2)", "the notification")
  if transport == "job" then
    expect_contains(notes[1], "unknown flag '--bogus'", "the notification")
  else
    expect_contains(notes[1], "its stderr is in ", "the notification")
  end
end)

test("checkhealth reports the binary, its version, the backend and the model", function()
  vim.cmd("checkhealth assistd")
  local report = text(0)
  remember_pid()
  expect_contains(report, "binary: " .. bin, "health")
  expect_contains(report, "version: assistd 0.1.0", "health")
  expect_contains(report, "backend: local", "health")
  expect_contains(report, "model: scripted " .. script_path, "health")
  expect_contains(report, "transport " .. expected_kind, "health")
  expect_contains(report, "Lua tools: big_add", "health")
  vim.cmd("bwipeout!")
end)

local chat_buf
test(":AssistdChat opens a chat buffer and the reply streams into it", function()
  vim.cmd("AssistdChat")
  wait_for("the chat buffer", function()
    return vim.b.assistd_thread_id ~= nil
  end)
  chat_buf = vim.api.nvim_get_current_buf()
  expect_equal(lines(chat_buf), { "### You", "" }, "a new chat")
  expect_contains(vim.api.nvim_buf_get_name(chat_buf), "assistd://thread_", "buffer name")
  local partial_seen = false
  vim.api.nvim_buf_attach(chat_buf, false, {
    on_lines = function()
      local now = text(chat_buf)
      partial_seen = partial_seen or (now:find("### Assistant\nHello", 1, true) and not now:find("second line", 1, true))
    end,
  })
  send(chat_buf, "hello there")
  wait_until_idle(chat_buf)
  expect_equal(lines(chat_buf), {
    "### You",
    "hello there",
    "",
    "### Assistant",
    "Hello there friend",
    "second line",
    "",
    "### You",
    "",
  }, "the chat after one reply")
  if not partial_seen then
    error("the reply arrived in one piece: no partial text was seen in the buffer")
  end
end)

test("a Lua tool answers tools/call and the run goes on to the reply", function()
  send(chat_buf, "please add 87787 and 788988737")
  wait_until_idle(chat_buf)
  expect_equal(tool_calls, { { left = 87787, right = 788988737 } }, "the tool's calls")
  expect_equal(tail(chat_buf, 9), {
    "### You",
    "please add 87787 and 788988737",
    "",
    "### Assistant",
    '[tool big_add {"left":87787,"right":788988737} -> 789076524]',
    "The sum is 789076524.",
    "",
    "### You",
    "",
  }, "the chat after the tool round trip")
end)

test(":AssistdCancel cancels the streaming run", function()
  send(chat_buf, "slow please")
  wait_for("the first delta", function()
    return tail(chat_buf, 1)[1]:find("one", 1, true) ~= nil
  end)
  vim.cmd("AssistdCancel")
  wait_until_idle(chat_buf)
  local after = text(chat_buf)
  expect_contains(after, "[run cancelled]", "the cancelled run")
  if after:find("ten", 1, true) then
    error("the whole reply arrived despite the cancel:\n" .. after)
  end
  expect_equal(tail(chat_buf, 3), { "", "### You", "" }, "a new prompt after the cancel")
  local runs
  server.request("runs/list", { thread_id = vim.b[chat_buf].assistd_thread_id, limit = 1 }, function(_, list)
    runs = list
  end)
  wait_for("runs/list", function()
    return runs ~= nil
  end)
  expect_equal(runs.data[1].status, "cancelled", "the run's status in assistd")
end)

test("a failed run shows its last_error in the buffer", function()
  send(chat_buf, "make it fail")
  wait_until_idle(chat_buf)
  local reply = tail(chat_buf, 5)
  expect_equal(reply[1], "### Assistant", "the reply header")
  expect_contains(reply[2], "[run failed: server_error: ", "the failed run")
  expect_contains(reply[2], "model exploded", "the failed run")
  expect_equal(vim.list_slice(reply, 3, 5), { "", "### You", "" }, "a new prompt after the failure")
end)

test("JSON-RPC errors become vim.notify messages (and show in the buffer)", function()
  notes = {}
  vim.cmd("AssistdChat thread_nope")
  wait_for("the error notification", function()
    return #notes > 0
  end)
  expect_contains(notes[1], "assistd: messages/list: ", "the notification")
  expect_contains(notes[1], "thread_nope", "the notification")
  expect_contains(notes[1], "(-32010)", "the notification")

  notes = {}
  require("assistd").setup(vim.tbl_extend("force", options, { assistant = { id = "asst_missing" } }))
  send(chat_buf, "hello again")
  wait_until_idle(chat_buf)
  require("assistd").setup(options)
  expect_contains(notes[1] or "", "assistd: runs/create: ", "the notification")
  expect_contains(notes[1], "(-32010)", "the notification")
  expect_contains(tail(chat_buf, 4)[1], "[error -32010: ", "the error in the buffer")
  expect_contains(tail(chat_buf, 4)[1], "asst_missing", "the error in the buffer")
end)

test(":AssistdAsk sends the selected lines with the question", function()
  local source = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_buf_set_lines(source, 0, -1, false, { "local x = 1", "return x", "-- not this line" })
  vim.api.nvim_set_current_buf(source)
  vim.bo.filetype = "lua"
  vim.cmd("1,2AssistdAsk what is this code?")
  wait_for("the run to start", function()
    return chat.is_running(chat_buf)
  end)
  wait_until_idle(chat_buf)
  expect_equal(tail(chat_buf, 13), {
    "### You",
    "what is this code?",
    "",
    "```lua",
    "local x = 1",
    "return x",
    "```",
    "",
    "### Assistant",
    "It is Lua.",
    "",
    "### You",
    "",
  }, "the question and its answer")
end)

test("the assistant is created once and reused", function()
  local list
  server.request("assistants/list", { limit = 100 }, function(_, result)
    list = result
  end)
  wait_for("assistants/list", function()
    return list ~= nil
  end)
  expect_equal(#list.data, 1, "assistants in the store")
  expect_equal(list.data[1].tools[1]["function"].name, "big_add", "the assistant's tool")
end)

test(":AssistdThreads picks a thread from the index and renders its messages", function()
  local thread_id = vim.b[chat_buf].assistd_thread_id
  vim.cmd("bwipeout! " .. chat_buf)
  local offered
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(items[1])
  end
  vim.cmd("AssistdThreads")
  wait_for("the thread's buffer", function()
    return vim.b.assistd_thread_id == thread_id
  end)
  expect_equal(#offered, 1, "threads offered")
  expect_contains(offered[1], "hello there", "the thread's title")
  expect_equal(vim.list_slice(lines(0), 1, 11), {
    "### You",
    "hello there",
    "",
    "### Assistant",
    "Hello there friend",
    "second line",
    "",
    "### You",
    "please add 87787 and 788988737",
    "",
    "### Assistant",
  }, "the thread's history")
  expect_equal(tail(0, 2), { "### You", "" }, "the prompt below the history")
end)

test("stop: shutdown and exit end assistd with code 0; the next command starts it again", function()
  expect_equal(#assistd_children(), 1, "assistd processes before stopping")
  require("assistd").stop()
  expect_equal(server.state, "stopped", "state")
  expect_equal(server.exit_code, 0, "exit code")
  wait_for("the process to be gone", function()
    return #assistd_children() == 0
  end, 2000)
  -- the last assistd keeps a trace, for run.sh to see the shutdown and exit that quitting sends
  require("assistd").setup(vim.tbl_extend("force", options, { args = { "--trace", exit_trace_path } }))
  vim.cmd("AssistdChat")
  wait_for("a new chat", function()
    return server.state == "ready" and vim.b.assistd_thread_id ~= nil
  end)
  remember_pid() -- run.sh checks that quitting Neovim stops it
end)

local result_lines = {}
for _, result in ipairs(results) do
  vim.list_extend(result_lines, vim.split(result, "\n"))
end
vim.fn.writefile(result_lines, results_path)
vim.cmd("qa!")
