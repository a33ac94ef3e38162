"""FAKE assistd process: a TEST DOUBLE that speaks just enough of the protocol to test the
client's process handling (spawning, initialize/shutdown/exit, exit codes, crashes, stderr)
without the real binary. It is not assistd; test_real_*.py run against the real one.

Methods: initialize (echoes its params and argv), shutdown, exit, test/echo, test/hang (never
answered), test/crash (exits 3 after a line on stderr), runs/create (streams two events and
``done``; with handle_tools it first asks the client ``tools/call`` big_add and reports the output).
"""

import json
import os
import sys


def read_frame(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        if line == b"\r\n":
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length).decode("utf-8"))


def write(message):
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    sys.stdout.buffer.flush()


def main():
    stdin = sys.stdin.buffer
    shut_down = False
    print("fake assistd started with %s" % " ".join(sys.argv[1:]), file=sys.stderr, flush=True)
    while True:
        message = read_frame(stdin)
        if message is None:
            sys.exit(0 if shut_down else 1)
        method, request_id, params = message.get("method"), message.get("id"), message.get("params")
        if method == "initialize":
            write({"jsonrpc": "2.0", "id": request_id, "result": {
                "protocolVersion": "fake-1", "serverInfo": {"name": "fake-assistd", "version": "0"},
                "backend": ((params or {}).get("initializationOptions") or {}).get("fake_backend", {"name": "fake"}),
                "capabilities": {}, "received": params, "argv": sys.argv[1:],
                "pid": os.getpid()}})
        elif method == "shutdown":
            shut_down = True
            write({"jsonrpc": "2.0", "id": request_id, "result": None})
        elif method == "exit":
            sys.exit(0 if shut_down else 1)
        elif method == "test/echo":
            write({"jsonrpc": "2.0", "id": request_id, "result": params})
        elif method == "test/hang":
            pass
        elif method == "test/crash":
            print("fake assistd: crashing on purpose", file=sys.stderr, flush=True)
            sys.exit(3)
        elif method == "runs/create":
            output = None
            if params.get("handle_tools"):
                write({"jsonrpc": "2.0", "id": "s1", "method": "tools/call", "params": {
                    "thread_id": "thread_1", "run_id": "run_1", "tool_call": {
                        "id": "call_1", "type": "function",
                        "function": {"name": "big_add", "arguments": "{\"left\": 1, \"right\": 2}"}}}})
                answer = read_frame(stdin)
                output = answer.get("result", {}).get("output") if answer.get("id") == "s1" else None
            run = {"id": "run_1", "object": "thread.run", "thread_id": params["thread_id"], "status": "completed",
                   "tool_output": output}
            if params.get("stream"):
                for seq, (event, data) in enumerate([("thread.run.created", run), ("thread.run.completed", run),
                                                     ("done", "[DONE]")]):
                    write({"jsonrpc": "2.0", "method": "runs/event",
                           "params": {"request": request_id, "seq": seq, "event": event, "data": data}})
            write({"jsonrpc": "2.0", "id": request_id, "result": run})
        elif request_id is not None:
            write({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "fake: no " + str(method)}})


if __name__ == "__main__":
    main()
