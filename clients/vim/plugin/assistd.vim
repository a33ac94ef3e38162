" assistd for Vim 9: chat buffers bound to assistd threads, streamed replies, Vim script tools.
if exists('g:loaded_assistd') || !has('channel')
  finish
endif
let g:loaded_assistd = 1

command! -nargs=? AssistdChat call assistd#chat#open(<q-args>)
command! AssistdCancel call assistd#chat#cancel()
command! AssistdStop call assistd#stop()

augroup assistd
  autocmd!
  autocmd VimLeavePre * if assistd#running() | call assistd#stop(1000) | endif
augroup END
