" The text of a chat buffer: "### You" lines head the user's messages (the last one is the
" prompt: the text below it is the next message), "### Assistant" lines the replies, and
" bracketed lines say what else happened ("[tool …]", "[run failed: …]").

let s:PROMPT = '### You'
let s:REPLY = '### Assistant'

function! assistd#transcript#prompt_line() abort
  return s:PROMPT
endfunction

function! assistd#transcript#reply_line() abort
  return s:REPLY
endfunction

function! assistd#transcript#last_line(buf) abort
  return getbufline(a:buf, '$')[0]
endfunction

function! assistd#transcript#line_count(buf) abort
  return len(getbufline(a:buf, 1, '$'))
endfunction

" Keeps the cursor of windows showing buf on the last line, so the reply stays in view.
function! assistd#transcript#follow(buf) abort
  for win in win_findbuf(a:buf)
    call win_execute(win, 'normal! G')
  endfor
endfunction

" Continues the last line with text (which may hold newlines).
function! assistd#transcript#stream_text(buf, text) abort
  if !bufexists(a:buf) || a:text ==# ''
    return
  endif
  let parts = split(a:text, "\n", 1)
  let parts[0] = assistd#transcript#last_line(a:buf) . parts[0]
  call setbufline(a:buf, assistd#transcript#line_count(a:buf), parts)
  call assistd#transcript#follow(a:buf)
endfunction

" A line of its own ("[tool …]", "[run failed …]"); streamed text continues below it.
function! assistd#transcript#note(buf, text) abort
  if !bufexists(a:buf)
    return
  endif
  let last = assistd#transcript#line_count(a:buf)
  if assistd#transcript#last_line(a:buf) ==# ''
    call setbufline(a:buf, last, [a:text, ''])
  else
    call appendbufline(a:buf, last, [a:text, ''])
  endif
  call assistd#transcript#follow(a:buf)
endfunction

function! assistd#transcript#prompt(buf) abort
  let lines = assistd#transcript#last_line(a:buf) ==# '' ? [s:PROMPT, ''] : ['', s:PROMPT, '']
  call appendbufline(a:buf, assistd#transcript#line_count(a:buf), lines)
  call assistd#transcript#follow(a:buf)
endfunction

function! assistd#transcript#message_text(message) abort
  let parts = []
  for content in get(a:message, 'content', [])
    if get(content, 'type', '') ==# 'text'
      call add(parts, content.text.value)
    else
      call add(parts, '[' . get(content, 'type', '?') . ']')
    endif
  endfor
  return join(parts, "\n")
endfunction

function! assistd#transcript#outcome(err, run) abort
  if a:err isnot v:null
    return printf('[error %s: %s]', get(a:err, 'code', '?'), get(a:err, 'message', ''))
  endif
  if type(a:run) != v:t_dict || get(a:run, 'status', '') ==# 'completed'
    return ''
  endif
  let text = '[run ' . a:run.status
  if type(get(a:run, 'last_error', v:null)) == v:t_dict
    let text .= ': ' . get(a:run.last_error, 'code', '') . ': ' . get(a:run.last_error, 'message', '')
  elseif type(get(a:run, 'incomplete_details', v:null)) == v:t_dict
    let text .= ': ' . get(a:run.incomplete_details, 'reason', '')
  endif
  return text . ']'
endfunction

" The index (0-based) of the last prompt line in lines, or -1.
function! assistd#transcript#last_prompt(lines) abort
  for i in range(len(a:lines) - 1, 0, -1)
    if a:lines[i] ==# s:PROMPT
      return i
    endif
  endfor
  return -1
endfunction
