#!/usr/bin/env python3
"""Writes qwen.json, the reference the Qwen2.5 tests compare against, from llama.cpp
itself (the xllamacpp wheel's llama-server: /apply-template renders the GGUF's own chat
template, /tokenize tokenizes it, /completion decodes greedily). Run once by hand; CI only
reads the committed JSON.

    python3 Tests/InferenceTests/Fixtures/make_qwen_fixtures.py [MODEL.gguf]

Without xllamacpp importable, the script makes its own venv (in $QWEN_FIXTURE_VENV, default
/tmp/assistd-qwen-fixtures-venv), installs the pinned wheel there and re-runs itself in it.
The model defaults to $ASSISTD_QWEN_GGUF, else the Qwen file in assistd's models folder
(`assistd model install`).

Fixture contents: greedy cases (template-rendered prompt, its ids, 32 greedy ids with each
step's top-5 log-probabilities to judge near-ties; n_ctx 2048, flash attention off) and
render cases (conversations with tools, calls and tool results -> the template's text and ids).
"""
import json, os, subprocess, sys, urllib.request

XLLAMACPP = "xllamacpp==2026.10.11549"
MODEL_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "qwen.json")


def bootstrap():
    try:
        import xllamacpp  # noqa: F401
        return
    except ImportError:
        pass
    venv = os.environ.get("QWEN_FIXTURE_VENV", "/tmp/assistd-qwen-fixtures-venv")
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        sys.exit("xllamacpp is missing from " + venv)
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", XLLAMACPP, "numpy"])
    os.execv(python, [python] + sys.argv)


def find_model():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("ASSISTD_QWEN_GGUF"):
        return os.environ["ASSISTD_QWEN_GGUF"]
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    path = os.path.join(data_home, "assistd", "models", MODEL_FILE)
    if not os.path.exists(path):
        sys.exit(f"{path} not found: pass MODEL.gguf, set ASSISTD_QWEN_GGUF or run `assistd model install`")
    return path


def tool(name, description, properties, required):
    function = {"name": name}
    if description is not None:
        function["description"] = description
    function["parameters"] = {"type": "object", "properties": properties, "required": required}
    return {"type": "function", "function": function}


BIG_ADD = tool("big_add", "Add to number", {
    "left": {"type": "integer", "description": "The left operator"},
    "right": {"type": "integer", "description": "The right operator."}}, ["left", "right"])
WEATHER = tool("get_current_weather", "Get the current weather in a given location", {
    "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, ["location"])
NO_DESCRIPTION = tool("ping", None, {"host": {"type": "string"}}, ["host"])
UNICODE = tool("translate", "Übersetzt Text — ins Japanische (日本語)", {
    "text": {"type": "string", "description": "Zu übersetzender \"Text\"\nmit Zeilenumbruch"}}, ["text"])

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


def call(id, name, arguments):
    return {"id": id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


RENDER_CASES = [
    {"messages": [{"role": "user", "content": "Hi"}], "tools": []},
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                  {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Bye"}], "tools": []},
    {"messages": [{"role": "system", "content": "You are a helpful assistant. When asked a question, use tools wherever possible."},
                  {"role": "user", "content": "Add 87787 to 788988737 with big_add."}], "tools": [BIG_ADD]},
    {"messages": [{"role": "user", "content": "What's the weather like in Boston today?"}], "tools": [WEATHER, BIG_ADD]},
    {"messages": [{"role": "system", "content": "Use tools."},
                  {"role": "user", "content": "Add 87787 to 788988737 with big_add."},
                  {"role": "assistant", "content": "", "tool_calls": [call("call_1", "big_add", {"left": 87787, "right": 788988737})]},
                  {"role": "tool", "tool_call_id": "call_1", "content": "789076524"}], "tools": [BIG_ADD]},
    {"messages": [{"role": "user", "content": "Weather in Boston and Paris?"},
                  {"role": "assistant", "content": "Let me check both.", "tool_calls": [
                      call("call_a", "get_current_weather", {"location": "Boston, MA"}),
                      call("call_b", "get_current_weather", {"location": "Paris", "unit": "celsius"})]},
                  {"role": "tool", "tool_call_id": "call_a", "content": "{\"temperature\": 21}"},
                  {"role": "tool", "tool_call_id": "call_b", "content": "{\"temperature\": 18}"},
                  {"role": "assistant", "content": "Boston 21, Paris 18."},
                  {"role": "user", "content": "Thanks"}], "tools": [WEATHER]},
    {"messages": [{"role": "user", "content": "Ping example.org, then translate 'ça va' please."}], "tools": [NO_DESCRIPTION, UNICODE]},
]


def main():
    bootstrap()
    import xllamacpp as xlc
    model = find_model()
    params = xlc.CommonParams()
    params.model.path = model
    params.n_ctx = 2048
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.flash_attn_type = xlc.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED
    params.warmup = False
    params.use_jinja = True
    params.port = int(os.environ.get("QWEN_FIXTURE_PORT", "18093"))
    server = xlc.Server(params)

    def post(path, body):
        request = urllib.request.Request(server.listening_address + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(request, timeout=600).read())

    def render(messages, tools):
        body = {"messages": messages}
        if tools:
            body["tools"] = tools
        prompt = post("/apply-template", body)["prompt"]
        ids = post("/tokenize", {"content": prompt, "add_special": False, "parse_special": True})["tokens"]
        return prompt, ids

    render_cases = []
    for case in RENDER_CASES:
        prompt, ids = render(case["messages"], case["tools"])
        # The tools also as (name, description, parameters as JSON text): JSON objects read in
        # Swift lose their key order, which the rendering keeps.
        specs = [[t["function"]["name"], t["function"].get("description", ""), json.dumps(t["function"]["parameters"])]
                 for t in case["tools"]]
        render_cases.append({"messages": case["messages"], "tools": case["tools"], "tool_specs": specs,
                             "prompt": prompt, "prompt_ids": ids})

    greedy = []
    for messages in GREEDY_PROMPTS:
        prompt, ids = render([{"role": r, "content": c} for r, c in messages], [])
        result = post("/completion", {"prompt": ids, "n_predict": 32, "temperature": 0, "n_probs": 5,
                                      "cache_prompt": False, "samplers": ["top_k"], "top_k": 1})
        steps = result["completion_probabilities"]
        out = [s["id"] for s in steps]
        tops = [[[t["id"], t["logprob"]] for t in s["top_logprobs"]] for s in steps]
        greedy.append({"messages": [list(m) for m in messages], "prompt": prompt, "prompt_ids": ids,
                       "output_ids": out, "output_text": result["content"], "top_logprobs": tops})
        print(f"{len(ids):4d} prompt tokens -> {result['content']!r}", file=sys.stderr)

    meta = {"xllamacpp": xlc.__version__ if hasattr(xlc, "__version__") else XLLAMACPP.split("==")[1],
            "model": os.path.basename(model), "n_ctx": 2048, "flash_attn": False}
    with open(OUT, "w") as f:
        json.dump({"generator": meta, "render": render_cases, "greedy": greedy}, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
