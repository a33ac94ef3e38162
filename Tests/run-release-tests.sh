#!/usr/bin/env bash
# The release build, as users get it: .ci/package-release builds the static release binary,
# proves it runs with the Swift runtime hidden and packs the archive; then the end-to-end suite,
# the Python client's and the editor clients' tests and the demo run against the binary taken
# out of that archive (and `assistd acp` with the Python ACP SDK). (A crash that only the release build had once reached main while only the
# debug build was tested.)
#
#   swift build --build-tests && Tests/run-release-tests.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

archives=$root/.build/release-archives
.ci/package-release "$archives"
archive=$(ls -t "$archives"/assistd-*.tar.gz | head -n 1)
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
tar -C "$unpacked" -xzf "$archive"
binary=$(ls "$unpacked"/assistd-*/assistd)
echo "release: testing $binary (from $(basename "$archive"))"

status=0
ASSISTD_BIN=$binary swift test --skip-build --filter EndToEndTests || status=1
ASSISTD_BIN=$binary Tests/run-python-client-tests.sh || status=1
ASSISTD_BIN=$binary Tests/run-editor-client-tests.sh </dev/null || status=1
ASSISTD_BIN=$binary Tests/run-acp-tests.sh || status=1

# The demo of README's first command, with the embedded model when it is installed.
if "$binary" model status >/dev/null 2>&1; then
    # The 135M model sometimes ends a run incomplete (exit 1, said in the summary); what must
    # never happen is a crash or a demo that stops before its summary line.
    demo_log=$(mktemp)
    demo_status=0
    timeout 300 "$binary" demo --ephemeral >"$demo_log" 2>&1 || demo_status=$?
    if [ "$demo_status" -le 1 ] && grep -q '^summary: run ' "$demo_log"; then
        echo "release: demo (exit $demo_status): $(grep '^summary: run ' "$demo_log" | tail -n 1)"
    else
        cat "$demo_log" >&2
        echo "release: FAIL: assistd demo exited $demo_status without its summary line" >&2
        status=1
    fi
    rm -f "$demo_log"
else
    echo "release: FAIL: no embedded model for the demo (run: $binary model install)" >&2
    status=1
fi

if [ "$status" -eq 0 ]; then
    echo "release: PASS (end-to-end, Python client, editor clients, ACP and demo against the release archive's binary)"
else
    echo "release: FAIL" >&2
fi
exit "$status"
