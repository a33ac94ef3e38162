#!/usr/bin/env python3
"""assistd's embedded engine beside llama.cpp on one GGUF file: decode tok/s, prompt tok/s,
time to first token and peak RSS, same token ids, same thread count, runs interleaved
(assistd, llama.cpp, assistd, ...), each run a fresh process, medians.

    swift build -c release --product InferenceBenchmark
    python3 Sources/Benchmarks/compare-llama-cpp.py --model FILE.gguf [--runs 5] [--threads 2]

llama.cpp is the prebuilt CPU wheel of xllamacpp (its server API, in-process), installed
with pip into a venv of this script's own (--venv, default ~/.cache/assistd/xllamacpp-venv)
unless --python names an interpreter that already has it. assistd's side is
.build/release/InferenceBenchmark --json (--bench to point elsewhere).

llama.cpp runs with OMP_WAIT_POLICY=PASSIVE unless the environment sets it: its OpenMP
workers otherwise spin between operations, which on a shared, loaded machine made it 10-20x
slower in our runs (the figure a quiet machine would not show).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, venv

XLLAMACPP = "xllamacpp==2026.10.11549"

# The llama.cpp side of one run, in a subprocess of the venv's Python.
LLAMA_CPP_RUN = r'''
import json, sys, time
import xllamacpp as xl

spec = json.load(open(sys.argv[1]))

def hwm_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")

p = xl.CommonParams()
p.model.path = spec["model"]
p.n_ctx = 2048
p.n_parallel = 1
p.cpuparams.n_threads = spec["threads"]
p.cpuparams_batch.n_threads = spec["threads"]
server = xl.Server(p)

def complete(prompt, n_predict):
    return server.handle_completions({"prompt": prompt, "n_predict": n_predict, "temperature": 0, "top_k": 1,
                                      "ignore_eos": True, "cache_prompt": False})

complete(spec["chat_prompt"][:8], 4)  # warm-up, as assistd's side does
# Prompt processing: the long prompt from an empty cache (llama.cpp's own prompt timing).
t = complete(spec["long_prompt"], 1)["timings"]
prompt_tok_s = t["prompt_n"] / (t["prompt_ms"] / 1000)
# Time to first token: the chat prompt from an empty cache, one greedy token, wall clock.
t0 = time.perf_counter()
complete(spec["chat_prompt"], 1)
ttft_ms = (time.perf_counter() - t0) * 1000
# Decode: greedy tokens after the chat prompt (llama.cpp's own generation timing).
t = complete(spec["chat_prompt"], spec["decode_tokens"])["timings"]
decode_tok_s = t["predicted_n"] / (t["predicted_ms"] / 1000)
print(json.dumps({"decode_tok_s": decode_tok_s, "prompt_tok_s": prompt_tok_s, "ttft_ms": ttft_ms, "peak_rss_mib": hwm_mib()}))
'''


def ensure_python(args):
    if args.python:
        return args.python
    python = os.path.join(args.venv, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {args.venv} with {XLLAMACPP}", file=sys.stderr)
        venv.create(args.venv, with_pip=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", XLLAMACPP], check=True)
    return python


def last_json_line(out):
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--decode-tokens", type=int, default=128)
    ap.add_argument("--prompt-tokens", type=int, default=500)
    ap.add_argument("--bench", default=os.path.join(root, ".build", "release", "InferenceBenchmark"))
    ap.add_argument("--python", help="a Python that has xllamacpp (else a venv is made)")
    ap.add_argument("--venv", default=os.path.expanduser("~/.cache/assistd/xllamacpp-venv"))
    args = ap.parse_args()
    if not os.access(args.bench, os.X_OK):
        sys.exit(f"{args.bench} not found: swift build -c release --product InferenceBenchmark")
    python = ensure_python(args)

    bench = [args.bench, "--model", args.model, "--threads", str(args.threads), "--runs", "1", "--skip-llama-cpp",
             "--tool-call-samples", "0", "--decode-tokens", str(args.decode_tokens), "--prompt-tokens", str(args.prompt_tokens), "--json"]
    results = {"assistd": [], "llama.cpp": []}
    with tempfile.TemporaryDirectory() as tmp:
        script, spec_path = os.path.join(tmp, "llama_cpp_run.py"), os.path.join(tmp, "spec.json")
        with open(script, "w") as f:
            f.write(LLAMA_CPP_RUN)
        for i in range(args.runs):
            ours = last_json_line(subprocess.run(bench, check=True, capture_output=True, text=True).stdout)
            results["assistd"].append(ours)
            with open(spec_path, "w") as f:
                json.dump({"model": args.model, "threads": args.threads, "decode_tokens": args.decode_tokens,
                           "long_prompt": ours["long_prompt"], "chat_prompt": ours["chat_prompt"]}, f)
            env = dict(os.environ)
            env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            theirs = subprocess.run([python, script, spec_path], check=True, capture_output=True, text=True, env=env)
            results["llama.cpp"].append(last_json_line(theirs.stdout))
            print(f"run {i + 1}/{args.runs}: assistd {ours['decode_tok_s']:.1f} tok/s, "
                  f"llama.cpp {results['llama.cpp'][-1]['decode_tok_s']:.1f} tok/s decode", file=sys.stderr)

    first = results["assistd"][0]
    print(f"model: {args.model}")
    print(f"threads: {args.threads}, runs: {args.runs} (interleaved, fresh process each), prompt: {len(first['long_prompt'])} tokens, "
          f"chat prompt: {len(first['chat_prompt'])} tokens, decode: {args.decode_tokens} tokens")
    print("")
    print("metric                 unit      assistd  llama.cpp    ratio (>1 = assistd better)")
    rows = [("decode", "tok/s", "decode_tok_s", True), (f"prompt ({len(first['long_prompt'])} tokens)", "tok/s", "prompt_tok_s", True),
            ("time to first token", "ms", "ttft_ms", False), ("peak RSS", "MiB", "peak_rss_mib", False)]
    for name, unit, key, higher in rows:
        pick = max if key == "peak_rss_mib" else statistics.median
        a, b = pick(r[key] for r in results["assistd"]), pick(r[key] for r in results["llama.cpp"])
        ratio = a / b if higher else b / a
        print(f"{name:<22} {unit:<6} {a:10.1f} {b:10.1f}  {ratio:6.2f}x")
    print("llama.cpp: " + XLLAMACPP + " (prebuilt CPU wheel, server API in-process, OMP_WAIT_POLICY="
          + os.environ.get("OMP_WAIT_POLICY", "PASSIVE") + "); its RSS includes the Python interpreter")
    for key, label in (("decode_tok_s", "decode tok/s"), ("prompt_tok_s", "prompt tok/s")):
        print(f"runs ({label}): assistd " + " ".join(f"{r[key]:.1f}" for r in results["assistd"])
              + " | llama.cpp " + " ".join(f"{r[key]:.1f}" for r in results["llama.cpp"]))


if __name__ == "__main__":
    main()
