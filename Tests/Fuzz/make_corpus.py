#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into Tests/Fuzz/Corpus/<target>/ (committed; rerun after
changing a seed). Small, meaningful inputs: LSP and NDJSON frames (multibyte text, batches,
broken headers), SSE streams in the services' style, JSON documents, and tiny synthetic GGUF files.

The framing and SSE targets read their first byte as a selector (see Sources/Fuzz/*): framing
selector % 3 is the framing (0 auto, 1 lsp, 2 ndjson) and selector // 3 % 4 the message cap
(16, 200, 4096, 1 MiB); SSE selector & 1 turns on splitting at a whole JSON data line."""
import json
import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def lsp(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


# --- framing: selector byte + stream --------------------------------------------------------
AUTO, LSP, NDJSON = 0, 1, 2
CAP_16, CAP_200, CAP_4096, CAP_1M = 0, 1, 2, 3


def selector(framing, cap):
    return bytes([cap * 3 + framing])


initialize = compact({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": 42, "clientInfo": {"name": "fuzz", "version": "1"}}})
create = compact({"jsonrpc": "2.0", "id": "t-2", "method": "threads/create",
                  "params": {"messages": [{"role": "user", "content": "Grüße, 日本語, emoji 🎉 and a \"quote\"\n"}]}})
batch = compact([
    {"jsonrpc": "2.0", "id": 3, "method": "assistants/list", "params": {"limit": 2}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "id": 4, "method": "no/such/method"},
    {"jsonrpc": "2.0", "id": 5, "method": "rpc.discover", "params": []},
])
cancel = compact({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 7}})
response = compact({"jsonrpc": "2.0", "id": "s1", "result": {"output": "42"}})
error_response = compact({"jsonrpc": "2.0", "id": "s2", "error": {"code": -32601, "message": "no", "data": [1]}})
invalid = compact({"jsonrpc": "1.0", "id": [1], "method": 5, "params": "x"})

write("framing", "lsp-initialize", selector(LSP, CAP_4096) + lsp(initialize))
write("framing", "lsp-multibyte-and-batch", selector(AUTO, CAP_4096) + lsp(create) + lsp(batch))
write("framing", "lsp-content-type-and-case",
      selector(LSP, CAP_4096) + b"content-length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
      % len(cancel) + cancel + b"\r\n" + lsp(response) + lsp(error_response))
write("framing", "lsp-broken-headers-then-resync",
      selector(LSP, CAP_4096) + b"Content-Lenght: 5\r\n\r\nhello" + b"Content-Length: abc\r\n\r\n"
      + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n" + lsp(initialize))
write("framing", "lsp-too-large-skipped", selector(LSP, CAP_200) + lsp(b"[" + b"1," * 150 + b"1]") + lsp(cancel))
write("framing", "lsp-truncated-body", selector(LSP, CAP_4096) + b"Content-Length: 100\r\n\r\n{\"jsonrpc\":")
write("framing", "lsp-empty-and-invalid", selector(AUTO, CAP_4096) + b"\r\n" + lsp(b"") + lsp(b"[]") + lsp(invalid)
      + lsp(b"\xff\xfe not utf-8") + lsp(b"{\"a\":"))
write("framing", "ndjson-session", selector(NDJSON, CAP_4096) + initialize + b"\n" + create + b"\r\n\n" + batch + b"\n" + cancel)
write("framing", "ndjson-auto-responses", selector(AUTO, CAP_4096) + b"  \n" + response + b"\n" + error_response + b"\n"
      + invalid + b"\n")
write("framing", "ndjson-line-over-cap", selector(NDJSON, CAP_16) + b"{\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n{}\n" + b"x" * 40)
write("framing", "ndjson-big-cap", selector(NDJSON, CAP_1M) + compact({"jsonrpc": "2.0", "id": 9, "method": "messages/create",
      "params": {"thread_id": "thread_1", "content": "é" * 300}}) + b"\n")

# --- json ------------------------------------------------------------------------------------
json_seeds = {
    "request": initialize,
    "batch": batch,
    "multibyte": create,
    "numbers": b'[0,-0,1,-1,9223372036854775807,-9223372036854775808,9223372036854775808,1.5,-2.5e-3,1E400,6.02e23,0.1]',
    "escapes": b'{"s":"\\u00e9\\ud83c\\udf89\\n\\t\\"\\\\\\/\\b\\f\\r","t":"\xe6\x97\xa5","":null}',
    "nested": b'{"a":[{"b":[[[{"c":{}}]]]},[],{}],"d":[true,false,null]}',
    "whitespace": b' \r\n\t{ "k" : [ 1 , 2 ] , "k" : "last wins" } \n',
    "run": compact({"id": "run_1", "object": "thread.run", "status": "completed", "usage": {"prompt_tokens": 12},
                    "required_action": None, "tools": [{"type": "function", "function": {"name": "big_add",
                    "parameters": {"type": "object", "properties": {"left": {"type": "integer"}}}}}]}),
    "scalar": b'"just a string"',
}
for name, data in json_seeds.items():
    write("json", name, data)

# --- sse: selector byte + stream -------------------------------------------------------------
PLAIN, SPLITS_AT_JSON = 0, 1
dashscope = (b"id:1\nevent:thread.run.created\nstatus:200\ndata:" + compact({"id": "run_1", "status": "queued"}) + b"\n\n"
             + b":HTTP_STATUS/200\n\n"
             + b"id:2\nevent:thread.message.delta\ndata:" + compact({"delta": {"content": [{"text": {"value": "Grüße 🎉"}}]}})
             + b"\n\n" + b"event:done\ndata:[DONE]\n\n")
openai = (b"data: " + compact({"choices": [{"delta": {"content": "Hel"}}]}) + b"\n\n"
          + b"data: " + compact({"choices": [{"delta": {"content": "lo"}, "finish_reason": "stop"}]}) + b"\n\n"
          + b"data: [DONE]\n\n")
write("sse", "dashscope-run", bytes([PLAIN]) + dashscope)
write("sse", "dashscope-crlf-bom-multiline", bytes([PLAIN]) + b"\xef\xbb\xbfevent: error\r\ndata: {\"code\":\r\ndata: \"Throttling\"}\r\n\r\n:\r\nretry: 10\r\n")
write("sse", "dashscope-no-blank-lines", bytes([PLAIN]) + b"event:a\ndata:1\nevent:b\ndata:2\nevent:c\ndata:3")
write("sse", "openai-stream", bytes([SPLITS_AT_JSON]) + openai)
write("sse", "openai-no-blank-lines", bytes([SPLITS_AT_JSON]) + b"data: {\"a\":1}\ndata: {\"b\":2}\ndata: [DONE]\r")
write("sse", "cr-only", bytes([PLAIN]) + b"data:x\rdata:y\r\rid: 7\rstatus: 429\rdata: z\r\r")


# --- gguf: tiny synthetic GGUF v3 files ------------------------------------------------------
def gguf(metadata, tensors, version=3, alignment=32):
    """metadata: [(key, type, payload bytes)], tensors: [(name, dims, ggml type, data bytes)]."""
    def string(s):
        raw = s.encode()
        return struct.pack("<Q", len(raw)) + raw
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, kind, payload in metadata:
        out += string(key) + struct.pack("<I", kind) + payload
    offset = 0
    blobs = []
    for name, dims, kind, data in tensors:
        out += string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", kind, offset)
        padded = data + b"\0" * (-len(data) % alignment)
        blobs.append(padded)
        offset += len(padded)
    out += b"\0" * (-len(out) % alignment)
    return out + b"".join(blobs)


def meta_string(key, value):
    raw = value.encode()
    return (key, 8, struct.pack("<Q", len(raw)) + raw)


def meta_u32(key, value):
    return (key, 4, struct.pack("<I", value))


def meta_f32(key, value):
    return (key, 6, struct.pack("<f", value))


tokens = ["<s>", "</s>", "a", "é", "🎉"]
token_array = ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, len(tokens))
               + b"".join(struct.pack("<Q", len(t.encode())) + t.encode() for t in tokens))
llama = [meta_string("general.architecture", "llama"), meta_u32("llama.block_count", 1),
         meta_u32("llama.embedding_length", 64), meta_u32("llama.feed_forward_length", 128),
         meta_u32("llama.attention.head_count", 1), meta_u32("llama.attention.head_count_kv", 1),
         meta_f32("llama.attention.layer_norm_rms_epsilon", 1e-5), meta_f32("llama.rope.freq_base", 10000.0),
         meta_u32("general.alignment", 32), token_array,
         ("test.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 11, 2) + struct.pack("<qq", -1, 2)),
         ("test.bool", 7, b"\x01"), ("test.f64", 12, struct.pack("<d", 0.25)), ("test.i16", 3, struct.pack("<h", -7))]
f32_row = struct.pack("<4f", 1, 2, 3, 4)
write("gguf", "llama-config-and-tensors", gguf(llama, [
    ("token_embd.weight", [64, 5], 0, b"\0" * 64 * 5 * 4),
    ("output_norm.weight", [4], 0, f32_row),
    ("blk.0.ffn_up.weight", [32, 2], 8, b"\1" * 68),       # Q8_0
    ("blk.0.ffn_gate.weight", [64], 3, b"\2" * 40),       # Q4_1
    ("blk.0.attn_norm.weight", [8], 1, b"\3" * 16),       # F16
]))
write("gguf", "metadata-only", gguf([meta_string("general.architecture", "llama"), meta_string("general.name", "tiny")], []))
write("gguf", "unsupported-type", gguf([], [("x", [256, 2], 10, b"\0" * 168)]))   # Q2_K
write("gguf", "version-2", gguf([meta_u32("general.alignment", 64)], [("b", [4], 0, f32_row)], version=2, alignment=64))

if __name__ == "__main__":
    print("wrote", ROOT)
