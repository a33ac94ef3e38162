#!/usr/bin/env python3
"""Writes Fixtures/qwen_tokenizer.json: how llama.cpp itself tokenises a multilingual corpus with
Qwen2.5-Coder-0.5B-Instruct's vocabulary (byte-level BPE, pre-tokenizer "qwen2"). Run by hand when
the corpus changes; the tests only read the committed JSON.

    python3 Tests/InferenceTests/make_qwen_tokenizer_fixture.py [MODEL.gguf]

Without xllamacpp importable, it creates its own venv (in $TMPDIR) with the pinned xllamacpp, a
prebuilt llama.cpp, and runs again there. llama.cpp's HTTP server (xllamacpp.Server, bound to
127.0.0.1) answers /tokenize with `add_special` off (Qwen adds no BOS) and `parse_special` as
each case asks. The model defaults to $ASSISTD_GGUF, else assistd's models folder
(`assistd model install`).

The corpus: every text of Fixtures/tokenizer.json (the SmolLM2 corpus of make_fixtures.py), then
the cases below, then deterministic random strings; each once plain and once with specials parsed.
"""
import glob, json, os, random, subprocess, sys, tempfile, urllib.request

XLLAMACPP = "xllamacpp==2026.10.11549"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "Fixtures", "qwen_tokenizer.json")
MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

QWEN_CASES = [
    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
    "<|im_start|>system\nYou are Qwen.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "<|fim_prefix|>def add(a, b):\n<|fim_suffix|>\n    return c<|fim_middle|>",
    "<|repo_name|>assistd<|file_sep|>README.md\n<|fim_pad|><|endoftext|>",
    "a</s>b <s> </s>",
    "<|im_start|><tool_call></tool_call><|im_end|>",
    "<tool_call",
    "I'M SURE THEY'VE SAID WE'LL GO; YOU'D THINK IT'S FINE, ISN'T IT? 'Re 'rE 'Ll 'lL 'Ve",
    "don't Don'T DON'T o'clock rock'n'roll '' ''s 's",
    "12345678901234567890 3.14159265358979 -0.5e-10 1_000_000 0b1011 v2.0.1",
    "Call 555-0100 at 9:30; 2²=4, x₁ + x₂, ①②③",
    "a \n\n  b\r\n\t c  \n",
    " \n \n ",
    "\r\n\r\n\r\n",
    "\n",
    "   \n",
    "x  \n  y",
    "\t\t\tindented\n\t\t\t\n",
    "end with spaces   ",
    "end with newline and spaces\n   ",
    "😀abc 😀 abc (hello) [world] {x} <y> «z» „q“ ¿qué? ¡sí!",
    "  ，中文，标点。",
    "\u3000abc\u00a0\ndef\u2028ghi\u2029jkl\u0085mno",
    "e\u0301\u0301 n\u0303 a\u030a",
    "नमस्ते दुनिया",
    "สวัสดีครับ ภาษาไทย",
    "日本語と English の mixed テキスト、カタカナ・ひらがな・漢字。",
    "我喜欢用 Swift 写代码，也喜欢 Python 3.12！",
    "東京タワー（とうきょうタワー）は、東京都港区芝公園にある総合電波塔である。",
    "中华人民共和国成立于1949年10月1日。",
    "👩🏽‍💻🧑‍🚀🏳️‍🌈 family: 👨‍👩‍👧 flags: 🇨🇳🇯🇵🇺🇸",
    "\U000E0001\U000E0020 tags \U0010FFFD private \uE000\uF8FF",
    "\x00\x01\x02\x1b[31mred\x1b[0m\x7f",
    "import Foundation\n\nstruct Point: Equatable {\n    var x: Double\n    var y: Double\n}\n",
    "    if (x != nil && y >= 2) { return x ?? 0 } // done\n",
    "fn main() -> Result<(), Box<dyn Error>> {\n    println!(\"{:?}\", vec![1, 2, 3]);\n    Ok(())\n}\n",
    "#include <stdio.h>\nint main(void){printf(\"%d\\n\",42);return 0;}",
    "const f = async (a, b) => { await g(a?.b ?? c); };",
    "SELECT id, name FROM t WHERE x IN (1,2,3) ORDER BY 2 DESC;",
    "$ swift build -c release && .build/release/assistd model install",
    "path/to/file_name-v2.tar.gz C:\\Users\\me\\file.txt ~/.config/assistd",
    "======== -------- ******** ________ ........ ~~~~~~~~",
    "!!!\n???\r\n...\n\n;;;",
    "Ａｂｃ１２３ ｶﾀｶﾅ",
    "İstanbul ǅemal ß ẞ ﬁ ﬀ",
]

def ensure_xllamacpp():
    try:
        import xllamacpp  # noqa: F401
        return
    except ImportError:
        pass
    venv = os.path.join(tempfile.gettempdir(), "assistd-qwen-fixture-venv")
    if os.environ.get("ASSISTD_FIXTURE_VENV") == venv:
        sys.exit("xllamacpp is still not importable inside " + venv)
    if not os.path.exists(os.path.join(venv, "bin", "python")):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", XLLAMACPP])
    env = dict(os.environ, ASSISTD_FIXTURE_VENV=venv)
    os.execve(os.path.join(venv, "bin", "python"), [os.path.join(venv, "bin", "python")] + sys.argv, env)

def find_model():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("ASSISTD_GGUF"):
        return os.environ["ASSISTD_GGUF"]
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    path = os.path.join(data_home, "assistd", "models", MODEL_NAME)
    if not os.path.exists(path):
        sys.exit(f"{path} not found: run `assistd model install`, or pass MODEL.gguf")
    return path

def random_texts(count):
    """Deterministic random strings over ASCII, Latin, CJK, kana, Hangul, emoji and the rest of Unicode."""
    rng = random.Random(17)
    pools = [(0x20, 0x7E), (0x09, 0x0D), (0xA0, 0x24F), (0x3040, 0x30FF), (0x4E00, 0x9FFF),
             (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x0900, 0x097F), (0x2000, 0x206F), (0x10000, 0x10FFFF)]
    texts = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randrange(1, 40)):
            lo, hi = pools[rng.randrange(len(pools))]
            c = rng.randint(lo, hi)
            if 0xD800 <= c <= 0xDFFF:
                continue
            chars.append(chr(c))
            if rng.random() < 0.2:
                chars.append(" " * rng.randrange(1, 4))
        texts.append("".join(chars))
    return texts

def main():
    ensure_xllamacpp()
    import xllamacpp

    model = find_model()
    with open(os.path.join(HERE, "Fixtures", "tokenizer.json")) as f:
        corpus = [c["text"] for c in json.load(f)["cases"]]
    corpus = list(dict.fromkeys(corpus + QWEN_CASES + random_texts(120)))

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = 256
    params.n_parallel = 1
    params.cpuparams.n_threads = 1
    params.warmup = False
    server = xllamacpp.Server(params)
    address = server.listening_address.rstrip("/")

    def tokenize(text, special):
        body = json.dumps({"content": text, "add_special": False, "parse_special": special}).encode()
        request = urllib.request.Request(address + "/tokenize", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())["tokens"]

    cases = [{"text": t, "special": s, "ids": tokenize(t, s)} for s in (False, True) for t in corpus]
    meta = {"llama_cpp": "xllamacpp " + xllamacpp.__version__, "model": os.path.basename(model),
            "endpoint": "/tokenize add_special=false"}
    with open(OUT, "w") as f:
        f.write('{"generator": ' + json.dumps(meta) + ',\n "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n ]}\n")
    print(f"{len(cases)} cases -> {OUT}", file=sys.stderr)

if __name__ == "__main__":
    main()
