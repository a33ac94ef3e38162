" Chat buffers: one per thread. The text below the last prompt line is the next message; the
" reply streams in below it as thread.message.delta events arrive (see transcript.vim).

let s:PROMPT = assistd#transcript#prompt_line()
let s:REPLY = assistd#transcript#reply_line()
let s:chats = {}      " bufnr -> {'thread_id', 'run': {} while a run is on}
let s:last_chat = -1
let s:assistants = {} " assistant definition (JSON) -> id, for this session

function! s:valid(buf) abort
  return a:buf > 0 && bufexists(a:buf) && has_key(s:chats, a:buf)
endfunction

function! s:create_buffer(thread_id, lines) abort
  let cfg = assistd#config()
  if cfg.window !=# 'current'
    execute cfg.window
  endif
  hide enew
  let buf = bufnr('%')
  execute 'file' fnameescape('assistd://' . a:thread_id)
  setlocal buftype=nofile bufhidden=hide noswapfile filetype=markdown
  let b:assistd_thread_id = a:thread_id
  let keymaps = get(cfg, 'keymaps', {})
  if !empty(get(keymaps, 'send', ''))
    execute 'nnoremap <buffer> <silent>' keymaps.send ':call assistd#chat#send()<CR>'
  endif
  if !empty(get(keymaps, 'cancel', ''))
    execute 'nnoremap <buffer> <silent>' keymaps.cancel ':call assistd#chat#cancel()<CR>'
  endif
  autocmd BufWipeout <buffer> call s:forget(str2nr(expand('<abuf>')))
  let s:chats[buf] = {'thread_id': a:thread_id, 'run': {}}
  call setline(1, a:lines)
  normal! G
  let s:last_chat = buf
  return buf
endfunction

function! s:forget(buf) abort
  if has_key(s:chats, a:buf)
    call remove(s:chats, a:buf)
  endif
endfunction

" :AssistdChat [thread_id]: a chat on a new thread, or on the thread given (with its messages).
function! assistd#chat#open(thread_id) abort
  if !empty(a:thread_id)
    for [buf, chat] in items(s:chats)
      if chat.thread_id ==# a:thread_id && bufexists(str2nr(buf))
        execute 'buffer' buf
        return
      endif
    endfor
    let context = {'thread_id': a:thread_id}
    function! context.listed(err, list) abort
      if a:err isnot v:null | return | endif
      let lines = []
      for message in a:list.data
        call add(lines, message.role ==# 'user' ? s:PROMPT : s:REPLY)
        call extend(lines, split(assistd#transcript#message_text(message), "\n", 1))
        call add(lines, '')
      endfor
      call s:create_buffer(self.thread_id, extend(lines, [s:PROMPT, '']))
    endfunction
    call assistd#request('messages/list', {'thread_id': a:thread_id, 'order': 'asc', 'limit': 100}, context.listed)
  else
    call assistd#request('threads/create', {}, {err, thread -> err is v:null ? s:create_buffer(thread.id, [s:PROMPT, '']) : 0})
  endif
endfunction

function! s:finish(buf, chat, line) abort
  let a:chat.run = {}
  if !s:valid(a:buf)
    return
  endif
  if a:line !=# ''
    call assistd#transcript#note(a:buf, a:line)
  endif
  call assistd#transcript#prompt(a:buf)
endfunction

function! s:cancel_run(buf, chat, run) abort
  let a:run.cancel_sent = 1
  let context = {'buf': a:buf, 'chat': a:chat, 'run': a:run}
  function! context.answered(err, result) abort
    if a:err isnot v:null && self.chat.run is self.run
      " The backend cannot cancel runs: stop listening instead; the run goes on.
      let self.run.detached = 1
      call assistd#cancel_request(self.run.request_id)
      call s:finish(self.buf, self.chat, '[stream stopped; the run goes on]')
    endif
  endfunction
  call assistd#request('runs/cancel', {'thread_id': a:chat.thread_id, 'run_id': a:run.run_id}, context.answered)
endfunction

function! s:start_run(buf, chat, assistant_id) abort
  let run = a:chat.run
  let lines = getbufline(a:buf, 1, '$')
  let last = len(lines)
  while last > 1 && lines[last - 1] ==# ''
    let last -= 1
  endwhile
  if last < len(lines)
    call deletebufline(a:buf, last + 1, '$')
  endif
  call appendbufline(a:buf, last, ['', s:REPLY, ''])
  call assistd#transcript#follow(a:buf)
  let handlers = {'buf': a:buf, 'chat': a:chat, 'run': run}
  function! handlers.on_event(event, data) abort
    if get(self.run, 'detached', 0) || type(a:data) != v:t_dict
      return
    endif
    if get(a:data, 'object', '') ==# 'thread.run'
      let self.run.run_id = a:data.id
      let self.run.final = a:data
      if get(self.run, 'cancel_requested', 0) && !get(self.run, 'cancel_sent', 0)
        call s:cancel_run(self.buf, self.chat, self.run)
      endif
    elseif a:event ==# 'thread.message.delta' && type(get(a:data, 'delta', v:null)) == v:t_dict
      for content in get(a:data.delta, 'content', [])
        if get(content, 'type', '') ==# 'text' && type(get(content, 'text', v:null)) == v:t_dict
          call assistd#transcript#stream_text(self.buf, get(content.text, 'value', ''))
        endif
      endfor
    endif
  endfunction
  function! handlers.on_tool(tool_call, result, error) abort
    let kind = get(a:tool_call, 'type', 'function')
    let body = get(a:tool_call, kind, {})
    let name = kind ==# 'function' ? get(body, 'name', '') : kind
    let answer = a:error isnot v:null ? 'error: ' . a:error.message : a:result.output
    call assistd#transcript#note(self.buf, printf('[tool %s %s -> %s]', name, get(body, 'arguments', ''), answer))
  endfunction
  let params = {'thread_id': a:chat.thread_id, 'assistant_id': a:assistant_id, 'stream': v:true, 'handle_tools': v:true}
  call assistd#stream('runs/create', params, handlers,
        \ {err, result -> get(run, 'detached', 0) ? 0 : s:finish(a:buf, a:chat, assistd#transcript#outcome(err, result isnot v:null ? result : get(run, 'final', v:null)))})
  let run.request_id = get(handlers, 'request_id', 0)
endfunction

" The assistant: g:assistd.assistant.id, or one created (once per session) with the tools.
function! s:with_assistant(Callback) abort
  let cfg = assistd#config()
  if has_key(cfg.assistant, 'id')
    return a:Callback(v:null, cfg.assistant.id)
  endif
  let params = deepcopy(cfg.assistant)
  let params.tools = assistd#tools#definitions(cfg.tools) + get(params, 'tools', [])
  let key = json_encode(params)
  if has_key(s:assistants, key)
    return a:Callback(v:null, s:assistants[key])
  endif
  call assistd#request('assistants/create', params,
        \ {err, assistant -> err isnot v:null ? a:Callback(err, v:null) : a:Callback(v:null, s:remember(key, assistant.id))})
endfunction

function! s:remember(key, id) abort
  let s:assistants[a:key] = a:id
  return a:id
endfunction

" Sends the text below the last prompt line of the chat buffer.
function! assistd#chat#send(...) abort
  let buf = get(a:, 1, bufnr('%'))
  if !s:valid(buf)
    echohl WarningMsg | echomsg 'assistd: not a chat buffer (:AssistdChat opens one)' | echohl None
    return
  endif
  let chat = s:chats[buf]
  if !empty(chat.run)
    echohl WarningMsg | echomsg 'assistd: a run is in progress; :AssistdCancel stops it' | echohl None
    return
  endif
  let lines = getbufline(buf, 1, '$')
  let at = assistd#transcript#last_prompt(lines)
  let text = at < 0 ? '' : trim(join(lines[at + 1 :], "\n"))
  if at < 0
    call assistd#transcript#prompt(buf)
  endif
  if text ==# ''
    echohl WarningMsg | echomsg "assistd: write your message below the '" . s:PROMPT . "' line" | echohl None
    return
  endif
  let chat.run = {'pending': 1}
  let s:last_chat = buf
  let context = {'buf': buf, 'chat': chat, 'text': text}
  function! context.with_assistant(err, assistant_id) abort
    if a:err isnot v:null
      let self.chat.run = {}
      return
    endif
    let self.assistant_id = a:assistant_id
    call assistd#request('messages/create', {'thread_id': self.chat.thread_id, 'role': 'user', 'content': self.text}, self.created)
  endfunction
  function! context.created(err, message) abort
    if a:err isnot v:null
      let self.chat.run = {} " the text stays where it is, to send again
      return
    endif
    call s:start_run(self.buf, self.chat, self.assistant_id)
  endfunction
  call s:with_assistant(context.with_assistant)
endfunction

" Cancels the run of the chat buffer (or of the last chat used).
function! assistd#chat#cancel(...) abort
  let buf = get(a:, 1, bufnr('%'))
  if !s:valid(buf)
    let buf = s:last_chat
  endif
  if !s:valid(buf) || empty(s:chats[buf].run)
    echohl WarningMsg | echomsg 'assistd: no run in progress' | echohl None
    return
  endif
  let chat = s:chats[buf]
  let chat.run.cancel_requested = 1
  if has_key(chat.run, 'run_id') && !get(chat.run, 'cancel_sent', 0)
    call s:cancel_run(buf, chat, chat.run)
  endif " else: sent as soon as the run's id arrives
endfunction

function! assistd#chat#is_running(buf) abort
  return s:valid(a:buf) && !empty(s:chats[a:buf].run)
endfunction
