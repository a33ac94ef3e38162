#!/bin/sh
# Runs the Neovim client's tests headless against assistd ($ASSISTD_BIN, default
# $repo/.build/debug/assistd), once per transport (vim.lsp.rpc, jobstart), with $NVIM (default nvim).
# Last line: "N passed, N failed".
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

for transport in lsp job; do
  results="$work/results-$transport"
  pids="$work/pids-$transport"
  trace="$work/trace-$transport"
  : > "$pids"
  # Own XDG dirs: nothing is written to the user's Neovim state.
  XDG_DATA_HOME="$work/xdg-data" XDG_STATE_HOME="$work/xdg-state" XDG_CACHE_HOME="$work/xdg-cache" \
  ASSISTD_TRANSPORT=$transport ASSISTD_TEST_RESULTS=$results ASSISTD_TEST_PIDS=$pids ASSISTD_TEST_TRACE=$trace \
    timeout 180 "${NVIM:-nvim}" --headless -u NONE -i NONE -n --cmd "set rtp^=$plugin" -c "luafile $here/test.lua" \
    < /dev/null > "$work/out-$transport" 2>&1
  status=$?
  if [ -f "$results" ]; then
    passed=$((passed + $(grep -c '^ok - ' "$results")))
    failed=$((failed + $(grep -c '^not ok - ' "$results")))
    cat "$results"
  fi
  if [ ! -f "$results" ] || [ "$status" -ne 0 ]; then
    not_ok "nvim/$transport: the test run ended (exit $status)"
    cat "$work/out-$transport"
  fi
  # Quitting sends shutdown and exit (assistd would also stop at the end of its input, with code 1).
  if grep -q '"method":"shutdown"' "$trace" 2>/dev/null && grep -q '"method":"exit"' "$trace"; then
    ok "nvim/$transport: quitting Neovim sends shutdown and exit"
  else
    not_ok "nvim/$transport: quitting Neovim sends shutdown and exit (trace: $(tail -c 400 "$trace" 2>/dev/null))"
  fi
  # Every assistd the run started must be gone once Neovim has quit.
  stray=""
  for pid in $(cat "$pids"); do
    tries=0
    while kill -0 "$pid" 2>/dev/null && [ $tries -lt 20 ]; do sleep 0.1; tries=$((tries + 1)); done
    if kill -0 "$pid" 2>/dev/null; then stray="$stray $pid"; kill "$pid"; fi
  done
  if [ -s "$pids" ] && [ -z "$stray" ]; then
    ok "nvim/$transport: quitting Neovim stopped assistd"
  else
    not_ok "nvim/$transport: quitting Neovim stopped assistd (still running:${stray:- no pid recorded})"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
