#!/bin/sh
# ERT tests of assistd.el, headless, against the real binary.
# ASSISTD_BIN: the binary (default: <repo>/.build/debug/assistd). EMACS: the emacs to use.
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
# Each wait inside is bounded; this bounds the whole run should Emacs itself hang.
timeout -k 10 300 "${EMACS:-emacs}" -Q --batch -L "$here/.." -l "$here/assistd-test.el" \
    -f assistd-test-run >"$log" 2>&1
status=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$log"
if [ -z "$summary" ]; then
    echo "emacs ended (status $status) before reporting its tests" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
echo "$summary"
[ "$status" -eq 0 ] || exit 1
