#!/usr/bin/env bash
# Streams one assistant reply to the terminal through assistd, from bash.
#
#   stream-reply.sh [QUESTION] [ASSISTD FLAGS...]
#   ASSISTD=/path/to/assistd stream-reply.sh "Draw a picture of a ragdoll cat." --model-url http://127.0.0.1:11434/v1
#
# One assistd runs as a coprocess speaking newline-delimited JSON, its output read through ONE
# long-lived jq that turns each message into a short line for bash (so a stream of many deltas
# costs no process per event); jq builds each request and reads fields of each answer. It
# creates an assistant, a thread and a message, streams a run (printing each
# thread.message.delta as it arrives), then shuts assistd down. Needs bash 4+ and jq.
#
# Exit status (the rule of `assistd call` and `assistd demo`): 0 only when every request
# succeeded and the run ended `completed`; 1 otherwise.
set -euo pipefail

question=${1:-"Draw a picture of a ragdoll cat."}
[ $# -gt 0 ] && shift
assistd=${ASSISTD:-assistd}

# Each message from assistd becomes one line, fields separated by a tab:
#   D <text>           the text of a thread.message.delta, \, newline and tab escaped (printf %b undoes it)
#   R <id> <result>    a response, its result as compact JSON
#   E <id> <error>     an error response (<id> is - when assistd could not read the request's id)
# Other messages (the other run events) give no line.
# shellcheck disable=SC2016
reader_filter='
    if .method == "runs/event" then
        (select(.params.event == "thread.message.delta")
         | [.params.data.delta.content[]? | select(.type == "text") | .text.value] | join("")
         | select(length > 0)
         | "D\t" + (gsub("\\\\"; "\\\\") | gsub("\n"; "\\n") | gsub("\t"; "\\t")))
    elif has("error") then "E\t\(.id // "-")\t\(.error | tojson)"
    elif has("result") then "R\t\(.id)\t\(.result | tojson)"
    else empty end'

coproc ASSISTD_PROC { "$assistd" --stdio --framing ndjson --log-level warning "$@" | jq --unbuffered -r "$reader_filter"; }
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
    local kind id payload
    while IFS=$'\t' read -r kind id payload 2>/dev/null <&"$from_assistd"; do
        case $kind in
            D) printf '%b' "$id" ;;
            R) if [ "$id" = "$last_id" ]; then result=$payload; return 0; fi ;;
            E) if [ "$id" = "$last_id" ] || [ "$id" = - ]; then echo "assistd: $1 failed: $payload" >&2; exit 1; fi ;;
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
# status, then why it did not complete (last_error, else incomplete_details), in one jq.
{ read -r run_status; read -r run_line; } < <(jq -r '.status,
    "run \(.id): \(.status)" + (if .last_error then ": last_error \(.last_error | tojson)"
                                elif .incomplete_details then ": incomplete_details \(.incomplete_details | tojson)"
                                else "" end)' <<<"$result")
echo "$run_line" >&2

call shutdown 'null'
jq -cn '{jsonrpc: "2.0", method: "exit"}' >&"$to_assistd"
wait "$assistd_pid" || true   # exits 0 after shutdown + exit
[ "$run_status" = completed ]   # the script's exit status: 0 when the run completed
