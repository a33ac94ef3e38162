#!/bin/sh
# node --test suite of the Node client, against the real binary.
# ASSISTD_BIN: the binary (default: <repo>/.build/debug/assistd). NODE: the node to use.
# Last line: "N passed, N failed"; the exit status is non-zero on any failure.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ASSISTD_BIN=${ASSISTD_BIN:-$repo/.build/debug/assistd}
export ASSISTD_BIN
if [ ! -x "$ASSISTD_BIN" ]; then
    echo "no assistd binary at $ASSISTD_BIN (build it, or set ASSISTD_BIN)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd "$here/.." || exit 1
# Each test has its own timeout; this bounds the whole run should node itself hang.
timeout -k 10 300 "${NODE:-node}" --test --test-reporter=tap test/*.test.js >"$log" 2>&1
status=$?
cat "$log"
passed=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$passed" ] || [ -z "$failed" ]; then
    echo "node ended (status $status) before reporting its tests" >&2
    echo "${passed:-0} passed, $(( ${failed:-0} + 1 )) failed"
    exit 1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # node failed outside any test (e.g. a file that does not load)
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
