#!/usr/bin/env bash
# The short fuzz run: every libFuzzer target for a few seconds from its seed corpus
# (Tests/Fuzz/fuzz.sh, which first builds them with the fuzzer and AddressSanitizer), then the
# end-to-end fuzz of the built binary (Tests/Fuzz/fuzz_assistd.py). Fails on any crash, hang or
# unanswered request. See Tests/Fuzz/README.md.
#
#   Tests/Fuzz/run-short.sh                # libFuzzer targets 20 s each, end-to-end 20 s
#   Tests/Fuzz/run-short.sh --e2e-only     # only the end-to-end fuzz (needs .build/debug/assistd)
#   options: --seconds N (per libFuzzer target), --e2e-seconds N, --seed N (end-to-end)
#   ASSISTD_BIN=/path/to/assistd           the binary (default: .build/debug/assistd)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=20
e2e_seconds=20
seed=1
libfuzzer=1
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --e2e-seconds) e2e_seconds="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --e2e-only) libfuzzer=0; shift ;;
        *) echo "usage: $0 [--e2e-only] [--seconds N] [--e2e-seconds N] [--seed N]" >&2; exit 2 ;;
    esac
done

started=$SECONDS
status=0
if [ "$libfuzzer" -eq 1 ]; then
    Tests/Fuzz/fuzz.sh --seconds "$seconds" || status=1
fi
binary=${ASSISTD_BIN:-.build/debug/assistd}
if [ ! -x "$binary" ]; then
    echo "fuzz: FAIL: no assistd at $binary (run swift build first, or set ASSISTD_BIN)" >&2
    exit 1
fi
# The batch count is a ceiling; the time bound ends the run (a loaded machine gets fewer batches).
python3 Tests/Fuzz/fuzz_assistd.py --binary "$binary" --seed "$seed" --seconds "$e2e_seconds" --batches 1000000 || status=1
if [ "$status" -eq 0 ]; then
    echo "fuzz: PASS in $((SECONDS - started))s"
else
    echo "fuzz: FAIL after $((SECONDS - started))s" >&2
fi
exit "$status"
