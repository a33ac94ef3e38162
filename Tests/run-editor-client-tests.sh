#!/usr/bin/env bash
# The editor and Node clients' headless tests (clients/nvim, clients/vim, clients/emacs,
# clients/node) against the built assistd. Each client's test/run.sh drives its editor (or
# node --test) with the scripted TEST model and ends with a line "N passed, N failed".
#
#   swift build && Tests/run-editor-client-tests.sh [CLIENT...]     (default: every client)
#   ASSISTD_BIN=/path/to/assistd   the binary to test (default: .build/debug/assistd)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export ASSISTD_BIN=${ASSISTD_BIN:-$root/.build/debug/assistd}
if [ ! -x "$ASSISTD_BIN" ]; then
    echo "editor clients: FAIL: no assistd at $ASSISTD_BIN (run swift build first, or set ASSISTD_BIN)" >&2
    exit 1
fi

clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(nvim vim emacs node)

passed=0
failed=0
failed_clients=()
for client in "${clients[@]}"; do
    script=$root/clients/$client/test/run.sh
    if [ ! -f "$script" ]; then
        echo "editor clients: no test/run.sh in clients/$client" >&2
        failed=$((failed + 1))
        failed_clients+=("$client")
        continue
    fi
    echo "== clients/$client"
    log=$(mktemp)
    bash "$script" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    # The client's own closing line, "N passed, N failed".
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    rm -f "$log"
    if [ -z "$summary" ]; then
        echo "editor clients: clients/$client printed no 'N passed, N failed' line (exit $status)" >&2
        failed=$((failed + 1))
        failed_clients+=("$client")
        continue
    fi
    p=$(echo "$summary" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$summary" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] || [ "$f" -ne 0 ]; then
        [ "$f" -ne 0 ] || failed=$((failed + 1))
        failed_clients+=("$client")
    fi
done

if [ ${#failed_clients[@]} -eq 0 ]; then
    echo "editor clients: PASS (${clients[*]} against $ASSISTD_BIN)"
else
    echo "editor clients: FAIL (${failed_clients[*]})" >&2
fi
echo "$passed passed, $failed failed"
[ ${#failed_clients[@]} -eq 0 ]
