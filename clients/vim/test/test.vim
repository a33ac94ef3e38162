" Headless tests of assistd.vim against the real assistd with the scripted test model.
" Environment: ASSISTD_BIN, ASSISTD_TEST_RESULTS (one "ok - …"/"not ok - …" line per test),
" ASSISTD_TEST_PIDS (the pid of every assistd started), ASSISTD_TEST_TRACE (the --trace
" file of the assistd left running when the tests quit).
let s:bin = $ASSISTD_BIN
let s:tmp = tempname()
call mkdir(s:tmp, 'p')
let s:script = {'turns': [{'text': 'Default reply.'}], 'rules': [
      \ {'when_last_is_tool': v:true, 'turn': {'text': 'The sum is {{last_tool_output}}.'}},
      \ {'when_last_user_contains': 'hello', 'turn': {'text': "Hello there friend\nsecond line", 'chunks': 4, 'delay_ms': 30}},
      \ {'when_last_user_contains': 'add', 'turn': {'tool_calls': [{'name': 'big_add', 'arguments': {'left': 87787, 'right': 788988737}}]}},
      \ {'when_last_user_contains': 'slow', 'turn': {'text': 'one two three four five six seven eight nine ten', 'chunks': 10, 'delay_ms': 300}},
      \ {'when_last_user_contains': 'fail', 'turn': {'error': {'kind': 'server', 'message': 'model exploded'}}},
      \ ]}
let s:script_path = s:tmp . '/script.json'
call writefile([json_encode(s:script)], s:script_path)

let s:tool_calls = []
function! BigAdd(args) abort
  call add(s:tool_calls, a:args)
  return a:args.left + a:args.right
endfunction

let g:assistd = {'cmd': s:bin, 'model': 'scripted:' . s:script_path, 'data_dir': s:tmp . '/data',
      \ 'assistant': {'model': 'qwen-max', 'name': 'vim test'},
      \ 'tools': {'big_add': {'description': 'Add two integers', 'run': function('BigAdd'),
      \   'parameters': {'type': 'object', 'properties': {'left': {'type': 'integer'}, 'right': {'type': 'integer'}}}}}}
let s:options = deepcopy(g:assistd)
runtime plugin/assistd.vim

let s:results = []
function! s:Test(name, Body) abort
  let line = 'vim: ' . a:name
  try
    call a:Body()
    call add(s:results, 'ok - ' . line)
  catch
    call add(s:results, 'not ok - ' . line)
    call extend(s:results, map(split(v:exception, "\n"), {_, line -> '    ' . line}))
    call add(s:results, '    at ' . v:throwpoint)
  endtry
endfunction

function! s:WaitFor(what, Condition, ...) abort
  let limit = get(a:, 1, 15000)
  let waited = 0
  while !a:Condition() && waited < limit
    sleep 10m
    let waited += 10
  endwhile
  if !a:Condition()
    throw 'timed out waiting for ' . a:what
  endif
endfunction

function! s:Expect(actual, expected, what) abort
  if a:actual != a:expected || type(a:actual) != type(a:expected)
    throw printf("%s\nexpected: %s\nactual:   %s", a:what, string(a:expected), string(a:actual))
  endif
endfunction

function! s:ExpectContains(haystack, needle, what) abort
  if stridx(a:haystack, a:needle) < 0
    throw printf('%s: %s not found in %s', a:what, string(a:needle), string(a:haystack))
  endif
endfunction

function! s:Tail(buf, n) abort
  let lines = getbufline(a:buf, 1, '$')
  return lines[len(lines) - a:n :]
endfunction

function! s:RememberPid() abort
  let pid = assistd#state().pid
  if pid
    call writefile([string(pid)], $ASSISTD_TEST_PIDS, 'a')
  endif
endfunction

" Types message below the last prompt line and sends it with the buffer's <CR> mapping.
function! s:Send(buf, message) abort
  call s:Expect(s:Tail(a:buf, 2), ['### You', ''], 'the prompt before sending')
  execute 'buffer' a:buf
  call setline('$', split(a:message, "\n"))
  execute "normal \<CR>"
endfunction

function! s:WaitIdle(buf) abort
  call s:WaitFor('the run to end', {-> !assistd#chat#is_running(a:buf)})
endfunction

function! s:ExitTest() abort
  let g:assistd = extend(deepcopy(s:options), {'args': ['--bogus']})
  let before = len(assistd#state().errors)
  AssistdChat
  call s:WaitFor('the error', {-> assistd#state().state ==# 'stopped' && len(assistd#state().errors) > before})
  let g:assistd = deepcopy(s:options)
  call s:ExpectContains(assistd#state().errors[before], "assistd exited (code 2): assistd: unknown flag '--bogus'", 'the error')
endfunction
call s:Test('an assistd that exits at once is reported with the reason', function('s:ExitTest'))

let s:chat = -1
function! s:StreamTest() abort
  AssistdChat
  call s:WaitFor('the chat buffer', {-> exists('b:assistd_thread_id')})
  call s:RememberPid()
  let s:chat = bufnr('%')
  call s:Expect(getbufline(s:chat, 1, '$'), ['### You', ''], 'a new chat')
  call s:ExpectContains(bufname(s:chat), 'assistd://thread_', 'buffer name')
  call s:Send(s:chat, 'hello there')
  " the reply streams in: some text shows before the whole of it
  call s:WaitFor('the first delta', {-> join(getbufline(s:chat, 1, '$'), "\n") =~# "### Assistant\nHello"})
  call s:Expect(join(getbufline(s:chat, 1, '$'), "\n") =~# 'second line', 0, 'the reply is partial at first')
  call s:WaitIdle(s:chat)
  call s:Expect(getbufline(s:chat, 1, '$'), ['### You', 'hello there', '', '### Assistant', 'Hello there friend',
        \ 'second line', '', '### You', ''], 'the chat after one reply')
endfunction
call s:Test(':AssistdChat opens a chat buffer and the reply streams into it', function('s:StreamTest'))

function! s:ToolTest() abort
  call s:Send(s:chat, 'please add 87787 and 788988737')
  call s:WaitIdle(s:chat)
  call s:Expect(s:tool_calls, [{'left': 87787, 'right': 788988737}], "the tool's calls")
  call s:Expect(s:Tail(s:chat, 9), ['### You', 'please add 87787 and 788988737', '', '### Assistant',
        \ '[tool big_add {"left":87787,"right":788988737} -> 789076524]', 'The sum is 789076524.', '', '### You', ''],
        \ 'the chat after the tool round trip')
endfunction
call s:Test('a Vim script tool answers tools/call (string id "s1") and the run goes on to the reply', function('s:ToolTest'))

function! s:CancelTest() abort
  call s:Send(s:chat, 'slow please')
  call s:WaitFor('the first delta', {-> stridx(s:Tail(s:chat, 1)[0], 'one') >= 0})
  AssistdCancel
  call s:WaitIdle(s:chat)
  let text = join(getbufline(s:chat, 1, '$'), "\n")
  call s:ExpectContains(text, '[run cancelled]', 'the cancelled run')
  call s:Expect(stridx(text, 'ten') < 0, 1, 'the reply stopped early')
  call s:Expect(s:Tail(s:chat, 3), ['', '### You', ''], 'a new prompt after the cancel')
  let s:runs = v:null
  call assistd#request('runs/list', {'thread_id': getbufvar(s:chat, 'assistd_thread_id'), 'limit': 1}, {err, list -> execute('let s:runs = list')})
  call s:WaitFor('runs/list', {-> s:runs isnot v:null})
  call s:Expect(s:runs.data[0].status, 'cancelled', "the run's status in assistd")
endfunction
call s:Test(':AssistdCancel cancels the streaming run', function('s:CancelTest'))

function! s:FailedRunTest() abort
  call s:Send(s:chat, 'make it fail')
  call s:WaitIdle(s:chat)
  let reply = s:Tail(s:chat, 5)
  call s:Expect(reply[0], '### Assistant', 'the reply header')
  call s:ExpectContains(reply[1], '[run failed: server_error: ', 'the failed run')
  call s:ExpectContains(reply[1], 'model exploded', 'the failed run')
  call s:Expect(reply[2:], ['', '### You', ''], 'a new prompt after the failure')
endfunction
call s:Test('a failed run shows its last_error in the buffer', function('s:FailedRunTest'))

function! s:ErrorTest() abort
  let g:assistd = extend(deepcopy(s:options), {'assistant': {'id': 'asst_missing'}})
  let before = len(assistd#state().errors)
  call s:Send(s:chat, 'hello again')
  call s:WaitIdle(s:chat)
  let g:assistd = deepcopy(s:options)
  let errors = assistd#state().errors[before :]
  call s:Expect(len(errors), 1, 'error messages')
  call s:ExpectContains(errors[0], 'assistd: runs/create: ', 'the error message')
  call s:ExpectContains(errors[0], '(-32010)', 'the error message')
  call s:ExpectContains(execute('messages'), errors[0], ':messages')
  call s:ExpectContains(s:Tail(s:chat, 4)[0], '[error -32010: ', 'the error in the buffer')
  call s:ExpectContains(s:Tail(s:chat, 4)[0], 'asst_missing', 'the error in the buffer')
endfunction
call s:Test('a JSON-RPC error is echoed and shown in the buffer', function('s:ErrorTest'))

function! s:ReopenTest() abort
  let thread_id = getbufvar(s:chat, 'assistd_thread_id')
  execute 'bwipeout!' s:chat
  execute 'AssistdChat' thread_id
  call s:WaitFor("the thread's buffer", {-> get(b:, 'assistd_thread_id', '') ==# thread_id})
  let s:chat = bufnr('%')
  call s:Expect(getline(1, 9), ['### You', 'hello there', '', '### Assistant', 'Hello there friend', 'second line', '',
        \ '### You', 'please add 87787 and 788988737'], "the thread's history")
endfunction
call s:Test(':AssistdChat THREAD_ID reopens a thread with its messages', function('s:ReopenTest'))

function! s:StopTest() abort
  let pid = assistd#state().pid
  AssistdStop
  call s:Expect(assistd#state().state, 'stopped', 'state')
  call s:Expect(assistd#state().exit_code, 0, 'exit code')
  call s:Expect(system('kill -0 ' . pid . ' 2>/dev/null; echo $?') =~# '^0', 0, 'the process is gone')
  let g:assistd = extend(deepcopy(s:options), {'args': ['--trace', $ASSISTD_TEST_TRACE]})
  AssistdChat
  call s:WaitFor('a new chat', {-> assistd#state().state ==# 'ready' && exists('b:assistd_thread_id')})
  call s:RememberPid() " run.sh checks that quitting Vim stops it
endfunction
call s:Test(':AssistdStop ends assistd with code 0; the next command starts it again', function('s:StopTest'))

call writefile(s:results, $ASSISTD_TEST_RESULTS)
qa!
