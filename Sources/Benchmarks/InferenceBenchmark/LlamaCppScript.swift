/// The llama.cpp side of the benchmark, run with llama-cpp-python in a subprocess.
/// It measures exactly what the Swift side measures, on the same token ids.
let llamaCppScript = #"""
import json, os, sys, time
import numpy as np
import llama_cpp

def hwm_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")

spec = json.load(open(sys.argv[1]))
llm = llama_cpp.Llama(model_path=spec["model"], n_ctx=spec["context"], n_threads=spec["threads"],
                      n_threads_batch=spec["threads"], n_batch=512, logits_all=False, verbose=False)
n_vocab = llm.n_vocab()

def logits():
    return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_vocab,))

# Prompt processing: the long prompt from an empty cache.
llm.reset()
t0 = time.perf_counter()
llm.eval(spec["long_prompt"])
prompt_s = time.perf_counter() - t0

# Time to first token: the chat prompt from an empty cache, then the first choice.
llm.reset()
t0 = time.perf_counter()
llm.eval(spec["chat_prompt"])
tok = int(np.argmax(logits()))
ttft_s = time.perf_counter() - t0

# Decode: greedy single-token steps.
t0 = time.perf_counter()
for _ in range(spec["decode_tokens"]):
    llm.eval([tok])
    tok = int(np.argmax(logits()))
decode_s = time.perf_counter() - t0

print(json.dumps({"prompt_s": prompt_s, "ttft_s": ttft_s, "decode_s": decode_s, "peak_rss_mib": hwm_mib(),
                  "version": llama_cpp.__version__}))
"""#
