-- Function tools written in Lua: their assistant definitions, and the answers to tools/call.
local M = {}

local function schema(parameters)
  local result = vim.deepcopy(parameters or { type = "object" })
  if result.type == "object" and (result.properties == nil or vim.tbl_isempty(result.properties)) then
    result.properties = vim.empty_dict() -- {} would encode as []
  end
  return result
end

-- The tools as assistants/create takes them, sorted by name.
function M.definitions(tools)
  local names = vim.tbl_keys(tools or {})
  table.sort(names)
  local definitions = {}
  for _, name in ipairs(names) do
    local tool = tools[name]
    table.insert(definitions, {
      type = "function",
      ["function"] = { name = name, description = tool.description or name, parameters = schema(tool.parameters) },
    })
  end
  return definitions
end

local function output_text(value)
  if value == nil then
    return ""
  elseif type(value) == "table" then
    return vim.json.encode(value)
  end
  return tostring(value)
end

-- Answers one tools/call: ({output = "…"}, nil) or (nil, {code, message}).
function M.call(tools, params)
  local call = params.tool_call or {}
  local kind = call.type or "function"
  local body = call[kind] or {}
  local name = kind == "function" and body.name or kind
  local tool = (tools or {})[name]
  if not tool or type(tool.run) ~= "function" then
    return nil, { code = -32601, message = "no Lua tool named " .. tostring(name) }
  end
  local args = body.arguments
  if type(args) == "string" then
    local ok, decoded = pcall(vim.json.decode, args ~= "" and args or "{}", { luanil = { object = true } })
    if not ok then
      return nil, { code = -32602, message = "the arguments of " .. name .. " are not JSON: " .. args }
    end
    args = decoded
  end
  local ok, value = pcall(tool.run, args or {})
  if not ok then
    return nil, { code = -32603, message = "tool " .. name .. " failed: " .. tostring(value) }
  end
  return { output = output_text(value) }, nil
end

return M
