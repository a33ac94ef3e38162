#!/usr/bin/env bash
# `assistd acp` end to end, with the official Python ACP SDK (agent-client-protocol, pinned in
# Tests/ACP/requirements.txt) as the client: installs it into a virtual environment under .build/,
# runs Tests/ACP/test_acp.py against the built binary (the scripted TEST model, and the FAKE hosted
# service of Tests/Fakes), and prints one summary line.
#
#   swift build && Tests/run-acp-tests.sh [TEST NAME WORDS...]
#   ASSISTD_BIN=/path/to/assistd   the binary to test (default: .build/debug/assistd)
#   ASSISTD_ACP_VENV=DIR           the virtual environment (default: .build/acp-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

binary=${ASSISTD_BIN:-$root/.build/debug/assistd}
if [ ! -x "$binary" ]; then
    echo "acp: FAIL: no assistd at $binary (run swift build first, or set ASSISTD_BIN)" >&2
    exit 1
fi
venv=${ASSISTD_ACP_VENV:-$root/.build/acp-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || {
        echo "acp: FAIL: python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    }
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/Tests/ACP/requirements.txt"

status=0
ASSISTD_BIN="$binary" timeout 300 "$venv/bin/python" "$root/Tests/ACP/test_acp.py" "$@" || status=$?
if [ "$status" -eq 0 ]; then
    echo "acp: PASS (Tests/ACP against $binary)"
else
    echo "acp: FAIL (exit $status)" >&2
fi
exit "$status"
