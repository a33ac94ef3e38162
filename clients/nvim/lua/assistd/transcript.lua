-- The text of a chat buffer: "### You" lines head the user's messages (the last one is the
-- prompt: the text below it is the next message), "### Assistant" lines the replies, and
-- bracketed lines say what else happened ("[tool …]", "[run failed: …]").
local M = {}

M.PROMPT = "### You"
M.REPLY = "### Assistant"

function M.valid(buf)
  return buf and vim.api.nvim_buf_is_valid(buf)
end

function M.last_line(buf)
  local count = vim.api.nvim_buf_line_count(buf)
  return vim.api.nvim_buf_get_lines(buf, count - 1, count, false)[1], count
end

function M.append(buf, lines)
  local count = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, count, count, false, lines)
end

-- Keeps the cursor of windows showing buf on the last line, so the reply stays in view.
function M.follow(buf)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == buf then
      vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
    end
  end
end

-- Continues the last line with text (which may hold newlines).
function M.stream_text(buf, text)
  if not M.valid(buf) or text == "" then
    return
  end
  local line, count = M.last_line(buf)
  local parts = vim.split(text, "\n", { plain = true })
  parts[1] = line .. parts[1]
  vim.api.nvim_buf_set_lines(buf, count - 1, count, false, parts)
  M.follow(buf)
end

-- A line of its own ("[tool …]", "[run failed …]"); streamed text continues below it.
function M.note(buf, text)
  if not M.valid(buf) then
    return
  end
  local line, count = M.last_line(buf)
  if line == "" then
    vim.api.nvim_buf_set_lines(buf, count - 1, count, false, { text, "" })
  else
    M.append(buf, { text, "" })
  end
  M.follow(buf)
end

function M.prompt(buf)
  local line = M.last_line(buf)
  M.append(buf, line == "" and { M.PROMPT, "" } or { "", M.PROMPT, "" })
  M.follow(buf)
end

function M.message_text(message)
  local parts = {}
  for _, content in ipairs(message.content or {}) do
    if content.type == "text" and type(content.text) == "table" then
      table.insert(parts, content.text.value or "")
    else
      table.insert(parts, "[" .. tostring(content.type) .. "]")
    end
  end
  return table.concat(parts, "\n")
end

function M.render(buf, messages)
  local lines = {}
  for _, message in ipairs(messages) do
    table.insert(lines, message.role == "user" and M.PROMPT or M.REPLY)
    vim.list_extend(lines, vim.split(M.message_text(message), "\n", { plain = true }))
    table.insert(lines, "")
  end
  vim.list_extend(lines, { M.PROMPT, "" })
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
end

-- The index (1-based) of the last prompt line, or nil.
function M.last_prompt(lines)
  for i = #lines, 1, -1 do
    if lines[i] == M.PROMPT then
      return i
    end
  end
end

-- The line that says how a run ended, or nil when it completed.
function M.outcome(err, run)
  if err then
    return ("[error %s: %s]"):format(tostring(err.code), tostring(err.message))
  end
  if type(run) ~= "table" or run.status == "completed" then
    return nil
  end
  local text = "[run " .. tostring(run.status)
  if type(run.last_error) == "table" then
    text = text .. ": " .. tostring(run.last_error.code) .. ": " .. tostring(run.last_error.message)
  elseif type(run.incomplete_details) == "table" and run.incomplete_details.reason then
    text = text .. ": " .. tostring(run.incomplete_details.reason)
  end
  return text .. "]"
end

return M
