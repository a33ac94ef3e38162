-- LSP framing (Content-Length: N\r\n\r\n + N bytes) for the job transport.
local M = {}

function M.encode(body)
  return ("Content-Length: %d\r\n\r\n"):format(#body) .. body
end

-- Returns a function that takes chunks of bytes and calls on_body once per complete message.
function M.reader(on_body)
  local buffer = ""
  return function(chunk)
    buffer = buffer .. chunk
    while true do
      local header_end = buffer:find("\r\n\r\n", 1, true)
      if not header_end then
        return
      end
      local length = tonumber(buffer:sub(1, header_end - 1):lower():match("content%-length:%s*(%d+)"))
      local body_start = header_end + 4
      if not length then
        buffer = buffer:sub(body_start) -- a header block without a length: skip it
      elseif #buffer < body_start + length - 1 then
        return
      else
        on_body(buffer:sub(body_start, body_start + length - 1))
        buffer = buffer:sub(body_start + length)
      end
    end
  end
end

return M
