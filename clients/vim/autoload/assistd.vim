" The one assistd of this Vim session: started on first use through job_start() with an lsp
" channel, initialized, stopped on exit. Routes runs/event notifications and tools/call
" requests to the stream that opened them.

let s:defaults = {
      \ 'cmd': 'assistd',
      \ 'args': [],
      \ 'backend': '',
      \ 'model': '',
      \ 'data_dir': '',
      \ 'ephemeral': 0,
      \ 'log_level': 'warning',
      \ 'initialization_options': v:null,
      \ 'assistant': {'model': 'qwen-max', 'name': 'assistd.vim'},
      \ 'tools': {},
      \ 'keymaps': {'send': '<CR>', 'cancel': '<C-c>'},
      \ 'window': 'vsplit',
      \ }
let s:NOT_RUNNING = -32099

let s:job = v:null
let s:state = 'stopped'
let s:info = {}
let s:waiting = []
let s:streams = {}
let s:exit_code = v:null
let s:errors = []
let s:stderr = [] " the last lines, to say why the process stopped

" g:assistd over the defaults.
function! assistd#config() abort
  return extend(deepcopy(s:defaults), get(g:, 'assistd', {}))
endfunction

function! assistd#running() abort
  return s:job isnot v:null && job_status(s:job) ==# 'run'
endfunction

function! assistd#state() abort
  return {'state': s:state, 'info': s:info, 'exit_code': s:exit_code,
        \ 'pid': s:job is v:null ? 0 : job_info(s:job).process, 'errors': s:errors}
endfunction

function! assistd#error(method, err) abort
  let text = printf('assistd: %s: %s (%s)', a:method, get(a:err, 'message', 'error'), get(a:err, 'code', '?'))
  call add(s:errors, text)
  echohl ErrorMsg | echomsg text | echohl None
endfunction

function! assistd#argv() abort
  let cfg = assistd#config()
  let exe = exepath(cfg.cmd)
  let argv = [empty(exe) ? cfg.cmd : exe, '--stdio', '--framing', 'lsp', '--log-level', cfg.log_level]
  if !empty(cfg.backend) | call extend(argv, ['--backend', cfg.backend]) | endif
  if !empty(cfg.model) | call extend(argv, ['--model', cfg.model]) | endif
  if cfg.ephemeral
    call add(argv, '--ephemeral')
  elseif !empty(cfg.data_dir)
    call extend(argv, ['--data-dir', expand(cfg.data_dir)])
  endif
  return extend(argv, cfg.args)
endfunction

function! s:flush(err) abort
  let callbacks = s:waiting
  let s:waiting = []
  for Callback in callbacks
    call Callback(a:err)
  endfor
endfunction

" Answers to server requests go out with ch_sendraw(): Vim 9.0's ch_sendexpr() takes only
" numbers as ids, and assistd's are strings ("s1") so that they never collide with Vim's.
function! s:reply(channel, id, result, error) abort
  let message = {'jsonrpc': '2.0', 'id': a:id}
  if a:error is v:null
    let message.result = a:result
  else
    let message.error = a:error
  endif
  let body = json_encode(message)
  call ch_sendraw(a:channel, 'Content-Length: ' . strlen(body) . "\r\n\r\n" . body)
endfunction

function! s:on_message(channel, message) abort
  if type(a:message) != v:t_dict || !has_key(a:message, 'method')
    return
  endif
  let params = get(a:message, 'params', {})
  if has_key(a:message, 'id')
    if a:message.method ==# 'tools/call' && type(params) == v:t_dict
      let [result, error] = assistd#tools#call(assistd#config().tools, params)
      let stream = get(s:streams, string(get(params, 'request', '')), {})
      if has_key(stream, 'on_tool')
        call stream.on_tool(params.tool_call, result, error)
      endif
      call s:reply(a:channel, a:message.id, result, error)
    else
      call s:reply(a:channel, a:message.id, v:null, {'code': -32601, 'message': 'Method not found: ' . a:message.method})
    endif
  elseif a:message.method ==# 'runs/event' && type(params) == v:t_dict
    let stream = get(s:streams, string(get(params, 'request', '')), {})
    if has_key(stream, 'on_event')
      call stream.on_event(params.event, params.data)
    endif
  endif
endfunction

function! s:on_stderr(channel, line) abort
  call add(s:stderr, a:line)
  if len(s:stderr) > 5
    call remove(s:stderr, 0)
  endif
endfunction

function! s:on_exit(job, code) abort
  let expected = s:state ==# 'stopping'
  let s:state = 'stopped'
  let s:exit_code = a:code
  let s:job = v:null
  let why = empty(s:stderr) ? '' : ': ' . join(s:stderr, ' ')
  let gone = {'code': s:NOT_RUNNING, 'message': 'assistd exited (code ' . a:code . ')' . why}
  let open = s:streams
  let s:streams = {}
  for stream in values(open)
    let Done = stream.done
    call Done(gone, v:null)
  endfor
  call s:flush(gone)
  if !expected
    call assistd#error('exit', gone)
  endif
endfunction

" Calls Callback(err) once assistd is initialized (starting it when needed); err is v:null on success.
function! assistd#ensure(Callback) abort
  if s:state ==# 'ready'
    return a:Callback(v:null)
  endif
  call add(s:waiting, a:Callback)
  if s:state ==# 'starting' || s:state ==# 'stopping'
    return
  endif
  let cfg = assistd#config()
  let argv = assistd#argv()
  if !executable(argv[0])
    let err = {'code': s:NOT_RUNNING, 'message': 'assistd binary not found: ' . cfg.cmd}
    call assistd#error('start', err)
    return s:flush(err)
  endif
  let s:state = 'starting'
  let s:exit_code = v:null
  let s:stderr = []
  let s:job = job_start(argv, {'in_mode': 'lsp', 'out_mode': 'lsp', 'err_mode': 'nl',
        \ 'out_cb': function('s:on_message'), 'err_cb': function('s:on_stderr'),
        \ 'exit_cb': function('s:on_exit'), 'noblock': 1})
  if job_status(s:job) !=# 'run'
    let s:state = 'stopped'
    let s:job = v:null
    let err = {'code': s:NOT_RUNNING, 'message': 'could not start ' . argv[0]}
    call assistd#error('start', err)
    return s:flush(err)
  endif
  let params = {'processId': getpid(), 'clientInfo': {'name': 'assistd.vim', 'version': '0.1.0'},
        \ 'capabilities': {'tools': {'call': v:true}}}
  if cfg.initialization_options isnot v:null
    let params.initializationOptions = cfg.initialization_options
  endif
  call ch_sendexpr(s:job, {'method': 'initialize', 'params': params}, {'callback': function('s:on_initialized')})
endfunction

function! s:on_initialized(channel, response) abort
  if has_key(a:response, 'error')
    call assistd#error('initialize', a:response.error)
    call assistd#stop(1000)
    return s:flush(a:response.error)
  endif
  let s:info = a:response.result
  let s:state = 'ready'
  if get(s:info, 'protocolVersion', '') !~# '^1\.'
    call assistd#error('initialize', {'code': '-', 'message': 'protocol ' . get(s:info, 'protocolVersion', '?') . ' is not 1.x'})
  endif
  call assistd#notify('initialized', {})
  call s:flush(v:null)
endfunction

function! assistd#notify(method, params) abort
  if assistd#running()
    call ch_sendexpr(s:job, {'method': a:method, 'params': a:params})
  endif
endfunction

" Callbacks travel as closures, never as dict members: calling a Funcref through another dict
" would rebind its self.

" Sends a request on a ready server and returns its id; Callback(err, result) gets the answer.
" Errors are shown unless quiet.
function! s:send(method, params, Callback, quiet) abort
  if s:state !=# 'ready' || !assistd#running()
    let err = {'code': s:NOT_RUNNING, 'message': 'assistd is not running'}
    if !a:quiet | call assistd#error(a:method, err) | endif
    call a:Callback(err, v:null)
    return 0
  endif
  let sent = ch_sendexpr(s:job, {'method': a:method, 'params': a:params},
        \ {'callback': {channel, response -> s:answer(a:method, a:Callback, a:quiet, response)}})
  return sent.id
endfunction

function! s:answer(method, Callback, quiet, response) abort
  let err = get(a:response, 'error', v:null)
  if err isnot v:null && !a:quiet
    call assistd#error(a:method, err)
  endif
  call a:Callback(err, get(a:response, 'result', v:null))
endfunction

function! assistd#request(method, params, Callback, ...) abort
  let quiet = get(a:, 1, 0)
  call assistd#ensure({err -> err isnot v:null ? a:Callback(err, v:null) : s:send(a:method, a:params, a:Callback, quiet)})
endfunction

" A streamed request: handlers.on_event(event, data) per runs/event, handlers.on_tool(tool_call,
" result, error) per tools/call; Callback(err, result) at the end. Sets handlers.request_id.
function! assistd#stream(method, params, handlers, Callback) abort
  call assistd#ensure({err -> s:open_stream(err, a:method, a:params, a:handlers, a:Callback)})
endfunction

function! s:open_stream(err, method, params, handlers, Callback) abort
  if a:err isnot v:null
    return a:Callback(a:err, v:null)
  endif
  let handlers = a:handlers
  let handlers.request_id = -1
  let handlers.done = {err, result -> s:close_stream(handlers, a:Callback, err, result)}
  let id = s:send(a:method, a:params,
        \ {err, result -> has_key(s:streams, string(handlers.request_id)) ? s:close_stream(handlers, a:Callback, err, result) : 0}, 0)
  if id
    let handlers.request_id = id
    let s:streams[string(id)] = handlers
  endif
endfunction

function! s:close_stream(handlers, Callback, err, result) abort
  if has_key(s:streams, string(a:handlers.request_id))
    call remove(s:streams, string(a:handlers.request_id))
  endif
  call a:Callback(a:err, a:result)
endfunction

" Stops listening to a stream and asks assistd to stop it; the run goes on.
function! assistd#cancel_request(id) abort
  if has_key(s:streams, string(a:id))
    call remove(s:streams, string(a:id))
  endif
  call assistd#notify('$/cancelRequest', {'id': a:id})
endfunction

" shutdown, exit, and job_stop() if it is still there after timeout_ms.
function! assistd#stop(...) abort
  let timeout = get(a:, 1, 2000)
  if s:job is v:null
    return
  endif
  let job = s:job
  let s:state = 'stopping'
  if job_status(job) ==# 'run'
    call ch_evalexpr(job, {'method': 'shutdown'}, {'timeout': timeout})
    call ch_sendexpr(job, {'method': 'exit'})
  endif
  let waited = 0
  while job_status(job) ==# 'run' && waited < timeout
    sleep 10m
    let waited += 10
  endwhile
  if job_status(job) ==# 'run'
    call job_stop(job)
    sleep 50m
  endif
  " exit_cb may not have run yet: wait for it, briefly
  let waited = 0
  while s:state !=# 'stopped' && waited < timeout
    sleep 10m
    let waited += 10
  endwhile
  let s:state = 'stopped'
  let s:job = v:null
  let s:info = {}
endfunction
