#!/usr/bin/env python3
"""End-to-end fuzz of the live binary: starts `assistd --ephemeral --model scripted:FILE`, sends
batches of mutated frames (bit flips, truncations, wrong and huge Content-Length, broken headers,
invalid UTF-8, wrong JSON-RPC shapes, random methods and params, batches, garbage), each batch
mixed with well-formed requests, and after every batch checks that the process

- is alive (else: a crash),
- answers a well-formed probe request within --answer-timeout seconds (else: a hang),
- answered every well-formed request of the batch exactly once (else: unanswered / duplicated).

Inputs come from one seeded generator, so a run is reproducible: `--seed N` sends the same bytes.
Bounded by --batches and --seconds; LSP and NDJSON framing get one process each, half the batches.
At the end it sends a frame that declares a length far over the cap (the reader must skip it, not
buffer it) and closes stdin: the process must exit within --answer-timeout seconds.
Prints the counts and the process's resident memory before and after; exits 1 on any failure and
leaves the failing batch's bytes in --artifacts.

    python3 Tests/Fuzz/fuzz_assistd.py [--binary .build/debug/assistd] [--seed 1] [--batches 400] [--seconds 60]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# A cap well below the default, so that over-cap frames are cheap to send and skip.
MAX_MESSAGE_BYTES = 4096
# Every method of the protocol but `shutdown` and `exit`, which end the session on purpose.
METHODS = [
    "initialize", "rpc.discover", "assistants/create", "assistants/list", "assistants/retrieve",
    "assistants/update", "assistants/delete", "threads/create", "threads/retrieve", "threads/update",
    "threads/delete", "messages/create", "messages/list", "messages/retrieve", "messages/update",
    "runs/create", "runs/createThreadAndRun", "runs/list", "runs/retrieve", "runs/update", "runs/cancel",
    "runs/submitToolOutputs", "runs/wait", "steps/list", "steps/retrieve", "$/cancelRequest", "initialized",
]
SCRIPT = {"turns": [{"text": "Grüße aus dem Test 🎉", "chunks": 3},
                    {"tool_calls": [{"name": "big_add", "arguments": {"left": 1, "right": 2}}]},
                    {"error": {"kind": "rate_limited", "message": "slow down"}}]}


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class Generator:
    """Every input of the run, from one seeded random source."""

    def __init__(self, seed, framing):
        self.rng = random.Random(f"{seed}-{framing}")
        self.framing = framing
        self.well_formed = 0

    # --- values --------------------------------------------------------------------------------
    def text(self):
        r = self.rng
        pool = ["", "a", "thread_1", "asst_x", "run_0", "é", "日本語", "🎉", "\u0000", "\\", "\"", "\n",
                "x" * r.randint(0, 300), "\ud7ff", "Content-Length: 5"]
        return "".join(r.choice(pool) for _ in range(r.randint(0, 4)))

    def value(self, depth=0):
        r = self.rng
        kinds = ["null", "bool", "int", "float", "str", "array", "object"]
        kind = r.choice(kinds if depth < 4 else kinds[:5])
        if kind == "null":
            return None
        if kind == "bool":
            return r.random() < 0.5
        if kind == "int":
            return r.choice([0, -1, 1, 7, 2**31, 2**63 - 1, -2**63, r.randint(-10**6, 10**6)])
        if kind == "float":
            return r.choice([0.5, -1e-9, 1e300, 3.0])
        if kind == "str":
            return self.text()
        if kind == "array":
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        keys = ["thread_id", "assistant_id", "run_id", "message_id", "step_id", "limit", "order", "after",
                "model", "content", "role", "metadata", "tools", "stream", "timeout_ms", "messages", "thread",
                "tool_outputs", "id", "instructions", "file_ids", self.text()]
        return {r.choice(keys): self.value(depth + 1) for _ in range(r.randint(0, 5))}

    def params(self):
        r = self.rng
        choice = r.random()
        if choice < 0.1:
            return None
        if choice < 0.25:
            return self.value()  # any type: refused as params unless an object or an array
        if choice < 0.35:
            return {"timeout_ms": r.choice([0, 1, 50]), "thread_id": "thread_none", "run_id": "run_none"}
        value = self.value(1)
        return value if isinstance(value, dict) else {"limit": value}

    def mutated_id(self):
        r = self.rng
        # Never a "wf-"/"probe-" string: those are the well-formed requests' ids.
        return r.choice([r.randint(-5, 10**9), f"m-{r.randint(0, 999)}", None, 1.5, [], {}, True, "", 2**63 - 1])

    # --- messages ------------------------------------------------------------------------------
    def random_message(self):
        r = self.rng
        message = {"jsonrpc": "2.0", "method": r.choice(METHODS + [self.text(), "assistants/" + self.text()])}
        if r.random() < 0.8:
            message["id"] = self.mutated_id()
        params = self.params()
        if params is not None or r.random() < 0.2:
            message["params"] = params
        shape = r.random()
        if shape < 0.08:
            message["jsonrpc"] = r.choice(["1.0", 2, None])
        elif shape < 0.12:
            del message["jsonrpc"]
        elif shape < 0.16:
            message["method"] = self.value()
        elif shape < 0.2:
            message["result"] = self.value()
        elif shape < 0.24:
            message = {"jsonrpc": "2.0", "id": self.mutated_id(), "error": self.value()}
        elif shape < 0.27:
            message = {"jsonrpc": "2.0", "id": r.choice(["s1", "s2", 5]), "result": self.value()}
        elif shape < 0.3:
            message = self.value()
        return message

    def well_formed_request(self):
        r = self.rng
        self.well_formed += 1
        request_id = f"wf-{self.framing}-{self.well_formed}"
        method, params = r.choice([
            ("assistants/list", {"limit": 2}),
            ("threads/create", {"messages": [{"role": "user", "content": "Grüße 🎉 " + "x" * r.randint(0, 50)}]}),
            ("messages/list", {"thread_id": "thread_missing"}),
            ("rpc.discover", None),
            ("assistants/create", {"model": "scripted", "name": "fuzz é"}),
            ("runs/createThreadAndRun", {"assistant_id": "asst_missing"}),
        ])
        message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        return request_id, message

    # --- bytes ---------------------------------------------------------------------------------
    def frame(self, body):
        if self.framing == "lsp":
            return b"Content-Length: %d\r\n\r\n" % len(body) + body
        return body + b"\n"

    def mutate(self, body):
        """Bytes of one broken frame (or several), made from a message body, and whether they
        leave the reader at the start of a frame (else what follows may be read as part of them)."""
        r = self.rng
        kind = r.choice(["bitflip", "truncate", "length", "huge", "utf8", "header", "garbage", "deep", "plain", "plain"])
        if kind == "bitflip":
            data = bytearray(self.frame(body))
            for _ in range(r.randint(1, 8)):
                position = r.randrange(len(data))
                data[position] ^= 1 << r.randrange(8)
            return bytes(data), False
        if kind == "truncate":
            data = self.frame(body)
            return data[:r.randrange(len(data))], False
        if kind == "length" and self.framing == "lsp":
            wrong = max(0, len(body) + r.choice([-len(body), -5, -1, 1, 3, 100]))
            return b"Content-Length: %d\r\n\r\n" % wrong + body, False
        if kind == "huge":
            if self.framing == "lsp":
                # Over the cap but finite: the reader skips it (the padding covers it); or too many
                # digits to be a length at all.
                length = r.choice([MAX_MESSAGE_BYTES + 1, 3 * MAX_MESSAGE_BYTES, 10**19, 10**40])
                return b"Content-Length: %d\r\n\r\n" % length + body, False
            return b"[" + b"1," * (MAX_MESSAGE_BYTES // 2) + b"1]\n", True
        if kind == "utf8":
            data = bytearray(body)
            bad = r.choice([b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe6\x97", b"\x80"])
            position = r.randrange(len(data) + 1)
            return self.frame(bytes(data[:position] + bad + data[position:])), True
        if kind == "header" and self.framing == "lsp":
            return r.choice([
                b"Content-Length %d\r\n\r\n" % len(body) + body,
                b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body) + 1) + body,
                b"Content-Type: application/json\r\n\r\n" + body,
                b"X-" + b"a" * 9000 + b": 1\r\n",
                b"content-LENGTH:   %d  \r\nX-Other: yes\r\n\r\n" % len(body) + body,
                b"Content-Length: -3\r\n\r\n",
                b"Content-Length: 0x10\r\n\r\n" + body,
            ]), False
        if kind == "garbage":
            return bytes(r.randrange(256) for _ in range(r.randint(1, 200))), False
        if kind == "deep":
            depth = r.choice([100, 511, 513, 2000])
            return self.frame(b"[" * depth + b"]" * depth), True
        return self.frame(body), True

    def batch(self, size):
        """(bytes to send, ids of the well-formed requests in them, number of inputs).
        Broken frames follow each other freely; before a well-formed one, and at the end, padding
        brings the reader back to the start of a frame."""
        r = self.rng
        chunks, expected, inputs = [], [], 0
        clean = True

        def well_formed(data, ids):
            nonlocal clean
            if len(data) > MAX_MESSAGE_BYTES:
                chunks.append(self.frame(data))  # over the cap: answered with one error, id null
                return
            if not clean:
                chunks.append(self.padding())
                clean = True
            chunks.append(self.frame(data))
            expected.extend(ids)

        for _ in range(size):
            inputs += 1
            choice = r.random()
            if choice < 0.25:
                request_id, message = self.well_formed_request()
                well_formed(compact(message), [request_id])
            elif choice < 0.35:
                # A JSON-RPC batch: well-formed requests among broken ones get their answers in it.
                elements, ids = [], []
                for _ in range(r.randint(0, 5)):
                    if r.random() < 0.4:
                        request_id, message = self.well_formed_request()
                        ids.append(request_id)
                        elements.append(message)
                    else:
                        elements.append(self.random_message())
                if r.random() < 0.1:
                    elements.append([self.random_message()])  # a nested batch: one invalid element
                well_formed(compact(elements), ids)
            else:
                body = compact(self.random_message())
                if r.random() < 0.7:
                    data, leaves_clean = self.mutate(body)
                    chunks.append(data)
                    clean = clean and leaves_clean
                else:
                    chunks.append(self.frame(body))
        if not clean:
            chunks.append(self.padding())
        return b"".join(chunks), expected, inputs

    def padding(self):
        """Bytes that bring the reader back to the start of a frame, whatever state the broken
        frames left it in: past any body or skipped over-cap body still being read (at most
        3 × the cap, see `mutate`), then a newline ending any line."""
        if self.framing == "lsp":
            return b" " * (3 * MAX_MESSAGE_BYTES + 16) + b"\r\n\r\n"
        return b"\n"


class Peer:
    """The live process: writes bytes to it and counts the responses per id it sends back."""

    def __init__(self, binary, framing, script_path, log_path):
        self.process = subprocess.Popen(
            [binary, "--ephemeral", "--model", f"scripted:{script_path}", "--framing", framing,
             "--max-message-bytes", str(MAX_MESSAGE_BYTES), "--log-level", "error", "--log-file", log_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.framing = framing
        self.answers = {}
        self.condition = threading.Condition()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        stream = self.process.stdout
        while True:
            if self.framing == "lsp":
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return self.closed()
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = stream.read(length)
                if len(body) < length:
                    return self.closed()
            else:
                body = stream.readline()
                if not body:
                    return self.closed()
            message = json.loads(body)
            with self.condition:
                for response in message if isinstance(message, list) else [message]:
                    if "method" not in response:
                        key = response.get("id")
                        key = key if isinstance(key, str) else None
                        if key is not None:
                            self.answers[key] = self.answers.get(key, 0) + 1
                self.condition.notify_all()

    def closed(self):
        with self.condition:
            self.condition.notify_all()

    def send(self, data):
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def wait_for(self, ids, timeout):
        """The ids not answered within `timeout`."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                missing = [i for i in ids if i not in self.answers]
                remaining = deadline - time.monotonic()
                if not missing or remaining <= 0 or self.process.poll() is not None:
                    return missing
                self.condition.wait(remaining)

    def rss_kib(self):
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None


def fuzz(binary, framing, seed, batches, seconds, answer_timeout, artifacts, script_path, counts):
    generator = Generator(seed, framing)
    log_path = os.path.join(artifacts, f"assistd-{framing}.log")
    peer = Peer(binary, framing, script_path, log_path)
    probes = 0

    def probe():
        nonlocal probes
        probes += 1
        request_id = f"probe-{framing}-{probes}"
        message = {"jsonrpc": "2.0", "id": request_id, "method": "assistants/list", "params": {"limit": 1}}
        return peer.send(generator.frame(compact(message))) and not peer.wait_for([request_id], answer_timeout)

    def fail(kind, number, data):
        path = os.path.join(artifacts, f"{kind}-{framing}-seed{seed}-batch{number}.bin")
        with open(path, "wb") as out:
            out.write(data)
        counts[kind] += 1
        print(f"fuzz_assistd: {kind} in {framing} batch {number} (seed {seed}); bytes in {path}; log {log_path}",
              file=sys.stderr)

    initialize = {"jsonrpc": "2.0", "id": "wf-init", "method": "initialize", "params": {"clientInfo": {"name": "fuzz"}}}
    peer.send(generator.frame(compact(initialize)))
    if peer.wait_for(["wf-init"], answer_timeout):
        fail("hangs", 0, b"")
        peer.process.kill()
        return
    rss_before = peer.rss_kib()
    started = time.monotonic()
    number = 0
    while number < batches and time.monotonic() - started < seconds:
        number += 1
        data, expected, inputs = generator.batch(generator.rng.randint(1, 12))
        counts["inputs"] += inputs
        counts["well_formed"] += len(expected)
        sent = peer.send(data)
        alive = sent and probe()
        if peer.process.poll() is not None:
            fail("crashes", number, data)
            return
        if not alive:
            fail("hangs", number, data)
            peer.process.kill()
            return
        missing = peer.wait_for(expected, answer_timeout)
        counts["unanswered"] += len(missing)
        with peer.condition:
            duplicated = [i for i in expected if peer.answers.get(i, 0) > 1]
        counts["duplicated"] += len(duplicated)
        if missing or duplicated:
            fail("wrong_answers", number, data)
            print(f"  unanswered {missing[:5]}, answered more than once {duplicated[:5]}", file=sys.stderr)
        counts["batches"] += 1
    rss_after = peer.rss_kib()
    counts["seconds"] += time.monotonic() - started
    counts[f"rss_kib_{framing}"] = (rss_before, rss_after)

    # A frame far over the cap: the reader must skip it as it streams by, never buffer it; then
    # end of input must end the process.
    peer.send(b"x" * (16 * MAX_MESSAGE_BYTES) if framing == "ndjson"
              else b"Content-Length: 1000000000000\r\n\r\n" + b"x" * (16 * MAX_MESSAGE_BYTES))
    peer.process.stdin.close()
    try:
        peer.process.wait(answer_timeout)
    except subprocess.TimeoutExpired:
        fail("hangs", number + 1, b"(end of input)")
        peer.process.kill()
        return
    if peer.process.returncode < 0:
        fail("crashes", number + 1, b"(end of input)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("ASSISTD_BIN", ".build/debug/assistd"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batches", type=int, default=400, help="at most this many batches (half per framing)")
    parser.add_argument("--seconds", type=float, default=60, help="at most this long (half per framing)")
    parser.add_argument("--answer-timeout", type=float, default=20)
    parser.add_argument("--artifacts", default=None,
                        help="where failing batches and logs go (default: a temp dir, removed after a clean run)")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"fuzz_assistd: FAIL: no assistd at {args.binary} (run swift build, or pass --binary)")
    artifacts = args.artifacts or tempfile.mkdtemp(prefix="fuzz-assistd-")
    os.makedirs(artifacts, exist_ok=True)
    script_path = os.path.join(artifacts, "script.json")
    with open(script_path, "w") as out:
        json.dump(SCRIPT, out)

    counts = {"inputs": 0, "batches": 0, "well_formed": 0, "crashes": 0, "hangs": 0, "unanswered": 0,
              "duplicated": 0, "wrong_answers": 0, "seconds": 0.0}
    for framing in ("lsp", "ndjson"):
        fuzz(args.binary, framing, args.seed, args.batches // 2, args.seconds / 2, args.answer_timeout,
             artifacts, script_path, counts)
    failures = counts["crashes"] + counts["hangs"] + counts["unanswered"] + counts["duplicated"]
    memory = ", ".join(f"{key[8:]} RSS {value[0]} → {value[1]} KiB" for key, value in counts.items()
                       if key.startswith("rss_kib_"))
    print(f"fuzz_assistd: seed {args.seed}: {counts['inputs']} inputs in {counts['batches']} batches "
          f"({counts['well_formed']} well-formed requests) in {counts['seconds']:.0f}s: {counts['crashes']} crashes, "
          f"{counts['hangs']} hangs, {counts['unanswered']} unanswered, {counts['duplicated']} answered twice; {memory}")
    if failures:
        sys.exit(1)
    if args.artifacts is None:
        shutil.rmtree(artifacts, ignore_errors=True)


if __name__ == "__main__":
    main()
