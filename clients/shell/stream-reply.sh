#!/usr/bin/env bash
# Streams one assistant reply to the terminal through assistd, from bash.
#
#   stream-reply.sh [QUESTION] [ASSISTD FLAGS...]
#   ASSISTD=/path/to/assistd stream-reply.sh "Draw a picture of a ragdoll cat." --model-url http://127.0.0.1:11434/v1
#
# One assistd runs as a coprocess speaking newline-delimited JSON; jq builds every request and
# reads every answer. It creates an assistant, a thread and a message, streams a run (printing
# each thread.message.delta as it arrives), then shuts assistd down. Needs bash 4+ and jq.
set -euo pipefail

question=${1:-"Draw a picture of a ragdoll cat."}
[ $# -gt 0 ] && shift
assistd=${ASSISTD:-assistd}

coproc ASSISTD_PROC { exec "$assistd" --stdio --framing ndjson --log-level warning "$@"; }
# Copies: bash unsets the coproc's variables once it has exited.
to_assistd=${ASSISTD_PROC[1]}
from_assistd=${ASSISTD_PROC[0]}
assistd_pid=$ASSISTD_PROC_PID

last_id=0
# send METHOD PARAMS_JSON: writes one request with the next id (in $last_id).
send() {
    last_id=$((last_id + 1))
    if ! jq -cn --argjson id "$last_id" --arg method "$1" --argjson params "$2" \
        '{jsonrpc: "2.0", id: $id, method: $method, params: $params}' 2>/dev/null >&"$to_assistd"; then
        echo "assistd is not running (see its message above); cannot send $1" >&2
        exit 1
    fi
}

# call METHOD PARAMS_JSON: sends a request and reads until its answer, printing the text of any
# message deltas streamed on the way. Sets $result; on an error answer, prints it and exits 1.
call() {
    send "$1" "$2"
    local line kind
    while IFS= read -r line 2>/dev/null <&"$from_assistd"; do
        kind=$(jq -r --argjson id "$last_id" '
            if .id == $id then (if has("error") then "error" else "result" end)
            elif .id == null and has("error") then "error"   # about a message it could not read
            elif .method == "runs/event" then "event" else "other" end' <<<"$line")
        case $kind in
            result) result=$(jq -c '.result' <<<"$line"); return 0 ;;
            error) echo "assistd: $1 failed: $(jq -c '.error' <<<"$line")" >&2; exit 1 ;;
            event) jq -j 'select(.params.event == "thread.message.delta")
                          | .params.data.delta.content[]? | select(.type == "text") | .text.value' <<<"$line" ;;
        esac
    done
    echo "assistd ended before answering $1" >&2
    exit 1
}

call initialize '{"clientInfo": {"name": "stream-reply.sh"}}'
echo "assistd $(jq -r '.serverInfo.version' <<<"$result"), $(jq -r '.backend.name' <<<"$result") backend" >&2
jq -cn '{jsonrpc: "2.0", method: "initialized", params: {}}' >&"$to_assistd"

call assistants/create '{"model": "qwen-max", "name": "Art Maestro",
                         "instructions": "Provide information on painting techniques and creative guidance."}'
assistant_id=$(jq -r '.id' <<<"$result")
call threads/create '{}'
thread_id=$(jq -r '.id' <<<"$result")
call messages/create "$(jq -cn --arg thread "$thread_id" --arg content "$question" \
    '{thread_id: $thread, role: "user", content: $content}')"

printf 'you> %s\nassistant> ' "$question"
call runs/create "$(jq -cn --arg thread "$thread_id" --arg assistant "$assistant_id" \
    '{thread_id: $thread, assistant_id: $assistant, stream: true}')"
echo
echo "run $(jq -r '.id' <<<"$result"): $(jq -r '.status' <<<"$result")" >&2
run_status=$(jq -r '.status' <<<"$result")

call shutdown 'null'
jq -cn '{jsonrpc: "2.0", method: "exit"}' >&"$to_assistd"
wait "$assistd_pid" || true   # exits 0 after shutdown + exit
[ "$run_status" = completed ]   # the script's exit status: 0 when the run completed
