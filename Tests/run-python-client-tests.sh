#!/usr/bin/env bash
# The Python client's tests (clients/python) against the built assistd: installs the client and
# pytest into a virtual environment under .build/, runs every test (the real-binary ones use the
# local backend with the scripted TEST model), and prints one summary line.
#
#   swift build && Tests/run-python-client-tests.sh [PYTEST ARGS...]
#   ASSISTD_BIN=/path/to/assistd   the binary to test (default: .build/debug/assistd)
#   ASSISTD_PY_VENV=DIR            the virtual environment (default: .build/python-client-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

binary=${ASSISTD_BIN:-$root/.build/debug/assistd}
if [ ! -x "$binary" ]; then
    echo "python client: FAIL: no assistd at $binary (run swift build first, or set ASSISTD_BIN)" >&2
    exit 1
fi
venv=${ASSISTD_PY_VENV:-$root/.build/python-client-venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || {
        echo "python client: FAIL: python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    }
fi
# The client itself needs only the standard library; pip fetches flit_core (to build it) and pytest.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$root/clients/python" "pytest>=7"

# From clients/python, with only tests/ on the path: `import assistd` is the installed package.
status=0
(cd "$root/clients/python" && ASSISTD_BIN="$binary" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    -o pythonpath=tests "$@") || status=$?
if [ "$status" -eq 0 ]; then
    echo "python client: PASS (clients/python against $binary)"
else
    echo "python client: FAIL (pytest exited $status)" >&2
fi
exit "$status"
