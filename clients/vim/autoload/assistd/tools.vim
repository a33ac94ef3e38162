" Function tools written in Vim script: their assistant definitions and the answers to tools/call.
" g:assistd.tools = {'big_add': {'description': '…', 'parameters': {JSON Schema}, 'run': Funcref}}

function! assistd#tools#definitions(tools) abort
  let definitions = []
  for name in sort(keys(a:tools))
    let tool = a:tools[name]
    call add(definitions, {'type': 'function', 'function': {'name': name,
          \ 'description': get(tool, 'description', name),
          \ 'parameters': get(tool, 'parameters', {'type': 'object', 'properties': {}})}})
  endfor
  return definitions
endfunction

function! s:output_text(value) abort
  if type(a:value) == v:t_string
    return a:value
  elseif type(a:value) == v:t_dict || type(a:value) == v:t_list
    return json_encode(a:value)
  endif
  return string(a:value)
endfunction

" Answers one tools/call: [{'output': '…'}, v:null] or [v:null, {'code', 'message'}].
function! assistd#tools#call(tools, params) abort
  let call = get(a:params, 'tool_call', {})
  let kind = get(call, 'type', 'function')
  let body = get(call, kind, {})
  let name = kind ==# 'function' ? get(body, 'name', '') : kind
  let tool = get(a:tools, name, {})
  if !has_key(tool, 'run')
    return [v:null, {'code': -32601, 'message': 'no Vim tool named ' . name}]
  endif
  let args = get(body, 'arguments', '{}')
  if type(args) == v:t_string
    try
      let args = json_decode(empty(args) ? '{}' : args)
    catch
      return [v:null, {'code': -32602, 'message': 'the arguments of ' . name . ' are not JSON: ' . args}]
    endtry
  endif
  try
    return [{'output': s:output_text(call(tool.run, [args]))}, v:null]
  catch
    return [v:null, {'code': -32603, 'message': 'tool ' . name . ' failed: ' . v:exception}]
  endtry
endfunction
