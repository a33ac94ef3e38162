#!/usr/bin/env bash
# Builds the libFuzzer targets (Sources/Fuzz/*) with the fuzzer and AddressSanitizer into
# .build-fuzz, then runs each from its seed corpus (Tests/Fuzz/Corpus/<target>/, never written to:
# new inputs go to .build-fuzz/corpus/<target>/) for a number of runs or seconds, and prints
# one line per target: runs, seconds, crashes. A crash, a hang (one input over 10 s), a leak or a
# memory blow-up stops that target, leaves its input in .build-fuzz/artifacts/, and fails the script.
#
#   Tests/Fuzz/fuzz.sh --runs 1000000 framing json sse   # the long run
#   Tests/Fuzz/fuzz.sh --seconds 20                      # every target for 20 s
#   Tests/Fuzz/fuzz.sh --build-only
#
# Targets: framing, json, sse, gguf (default: all). Reproduce a crash with
# `.build-fuzz/release/Fuzz<Target> .build-fuzz/artifacts/<file>`.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=""
seconds=""
build_only=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --build-only) build_only=1; shift ;;
        framing|json|sse|gguf) targets+=("$1"); shift ;;
        *) echo "usage: $0 [--runs N | --seconds S | --build-only] [framing json sse gguf]" >&2; exit 2 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(framing json sse gguf)
if [ -z "$runs" ] && [ -z "$seconds" ]; then runs=100000; fi

product() {
    case "$1" in
        framing) echo FuzzFraming ;;
        json) echo FuzzJSON ;;
        sse) echo FuzzSSE ;;
        gguf) echo FuzzGGUF ;;
    esac
}

scratch=.build-fuzz
# SwiftPM's --sanitize=fuzzer links libFuzzer's main in place of the executable's; the -Xswiftc
# flag instruments every module (coverage + AddressSanitizer); ASSISTD_FUZZ compiles the entry point.
build_flags=(-c release --scratch-path "$scratch" --sanitize=fuzzer
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DASSISTD_FUZZ)
build_started=$SECONDS
for target in "${targets[@]}"; do
    # gold warns about ASan's local symbols; only errors matter here.
    if ! swift build --product "$(product "$target")" "${build_flags[@]}" >"$scratch.log" 2>&1; then
        grep -v "Cannot export local symbol" "$scratch.log" >&2
        echo "fuzz: FAIL: building $(product "$target")" >&2
        exit 1
    fi
done
rm -f "$scratch.log"
echo "fuzz: built ${targets[*]} in $((SECONDS - build_started))s"
[ "$build_only" -eq 0 ] || exit 0

bin_dir=$(swift build "${build_flags[@]}" --show-bin-path)
mkdir -p "$scratch/artifacts"
failed=0
for target in "${targets[@]}"; do
    work="$scratch/corpus/$target"
    mkdir -p "$work"
    limit=(-runs="${runs:-0}")
    [ -z "$seconds" ] || limit=(-max_total_time="$seconds")
    log="$scratch/$target.log"
    started=$SECONDS
    status=0
    # -max_len: larger than every seed; -timeout: an input running 10 s is a hang;
    # -rss_limit_mb: a memory blow-up is a failure too. Swift's own backtracer is off: libFuzzer
    # reports the crash, and the backtracer's memory reads trip AddressSanitizer.
    SWIFT_BACKTRACE=enable=no "$bin_dir/$(product "$target")" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$target-" \
        "$work" "Tests/Fuzz/Corpus/$target" >"$log" 2>&1 || status=$?
    done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ "$status" -eq 0 ]; then
        echo "fuzz: $target: $done_runs runs in $((SECONDS - started))s, 0 crashes, 0 hangs"
    else
        failed=1
        kind=crash
        grep -q "ERROR: libFuzzer: timeout" "$log" && kind=hang
        echo "fuzz: FAIL: $target: a $kind after $done_runs runs ($((SECONDS - started))s); log: $log" >&2
        grep -E "Fatal error|ERROR: (libFuzzer|AddressSanitizer)|Test unit written" "$log" | head -5 >&2
    fi
done
exit "$failed"
