#!/bin/sh
# Runs the Vim client's tests headless (vim -es) against assistd ($ASSISTD_BIN, default
# $repo/.build/debug/assistd). Last line: "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
plugin=$(dirname "$here")
repo=$(cd "$plugin/../.." && pwd)
ASSISTD_BIN=${ASSISTD_BIN:-$repo/.build/debug/assistd}
export ASSISTD_BIN
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }

if [ ! -x "$ASSISTD_BIN" ]; then
  not_ok "assistd binary at $ASSISTD_BIN"
  echo "$passed passed, $failed failed"
  exit 1
fi

results="$work/results"
pids="$work/pids"
trace="$work/trace"
: > "$pids"
ASSISTD_TEST_RESULTS=$results ASSISTD_TEST_PIDS=$pids ASSISTD_TEST_TRACE=$trace \
  timeout 180 vim -N -u NONE -i NONE -n -es --cmd "set rtp^=$plugin" -S "$here/test.vim" \
  < /dev/null > "$work/out" 2>&1
status=$?
if [ -f "$results" ]; then
  passed=$((passed + $(grep -c '^ok - ' "$results")))
  failed=$((failed + $(grep -c '^not ok - ' "$results")))
  cat "$results"
fi
if [ ! -f "$results" ] || [ "$status" -ne 0 ]; then
  not_ok "vim: the test run ended (exit $status)"
  cat "$work/out"
fi
# Quitting sends shutdown and exit (assistd would also stop at the end of its input, with code 1).
if grep -q '"method":"shutdown"' "$trace" 2>/dev/null && grep -q '"method":"exit"' "$trace"; then
  ok "vim: quitting Vim sends shutdown and exit"
else
  not_ok "vim: quitting Vim sends shutdown and exit (trace: $(tail -c 400 "$trace" 2>/dev/null))"
fi
# Every assistd the run started must be gone once Vim has quit.
stray=""
for pid in $(cat "$pids"); do
  tries=0
  while kill -0 "$pid" 2>/dev/null && [ $tries -lt 20 ]; do sleep 0.1; tries=$((tries + 1)); done
  if kill -0 "$pid" 2>/dev/null; then stray="$stray $pid"; kill "$pid"; fi
done
if [ -s "$pids" ] && [ -z "$stray" ]; then
  ok "vim: quitting Vim stopped assistd"
else
  not_ok "vim: quitting Vim stopped assistd (still running:${stray:- no pid recorded})"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
