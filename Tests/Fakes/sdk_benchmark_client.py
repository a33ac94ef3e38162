#!/usr/bin/env python3
"""The Python side of DashScopeBenchmark (Sources/Benchmarks/DashScopeBenchmark): times the
official SDK, and a bare keep-alive HTTP client, against the FAKE DashScope server. Prints one
JSON object on stdout.

  --mode retrieve-sdk   Threads.retrieve N times          -> {"latencies_ms": [...]}
  --mode retrieve-bare  GET threads/{id} N times with http.client on one connection
  --mode stream-sdk     Runs.create(stream=True), iterate -> {"events", "first_to_last_s", "total_s"}
  --mode serve          LimitsBenchmark's peer: one JSON command a line on stdin, one JSON answer a
                        line on stdout, so its repetitions interleave with assistd's in one run
                        (see serve() for the commands); CPU times are this process's, from /proc.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--thread-id", default="")
    parser.add_argument("--assistant-id", default="")
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}/api/v1"
    if args.mode == "serve":
        return serve(args, base)
    if args.mode == "retrieve-bare":
        connection = http.client.HTTPConnection("127.0.0.1", args.port)
        headers = {"Authorization": f"Bearer {args.api_key}", "Accept": "application/json; charset=utf-8"}
        latencies = []
        for _ in range(args.n):
            start = time.perf_counter()
            connection.request("GET", f"/api/v1/threads/{args.thread_id}", headers=headers)
            body = json.loads(connection.getresponse().read())
            latencies.append((time.perf_counter() - start) * 1000)
            assert body["id"] == args.thread_id
        print(json.dumps({"latencies_ms": latencies}))
        return 0
    import dashscope
    from dashscope import Runs, Threads
    dashscope.base_http_api_url = base
    dashscope.api_key = args.api_key
    if args.mode == "retrieve-sdk":
        latencies = []
        for _ in range(args.n):
            start = time.perf_counter()
            thread = Threads.retrieve(args.thread_id)
            latencies.append((time.perf_counter() - start) * 1000)
            assert thread.status_code == 200 and thread.id == args.thread_id
        print(json.dumps({"latencies_ms": latencies}))
        return 0
    if args.mode == "stream-sdk":
        start = time.perf_counter()
        first = None
        count = 0
        for name, item in Runs.create(args.thread_id, assistant_id=args.assistant_id, stream=True):
            if first is None:
                first = time.perf_counter()
            count += 1
        end = time.perf_counter()
        assert name == "thread.run.completed", name
        print(json.dumps({"events": count, "first_to_last_s": end - first, "total_s": end - start}))
        return 0
    print(f"unknown mode {args.mode}", file=sys.stderr)
    return 2


def cpu_seconds():
    """User + system CPU of this process, all threads, from /proc (as the benchmark reads assistd's)."""
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(args, base):
    """Commands (JSON lines): {"op": "retrieve-sdk"|"retrieve-bare", "thread_id", "n"} ->
    {"latencies_us": [...]}; {"op": "stream-sdk"|"stream-raw", "assistant_id"} -> {"events",
    "first_to_last_s", "cpu_s"} (a new thread each, made before the clock starts); {"op": "quit"}."""
    import dashscope
    from dashscope import Runs, Threads
    dashscope.base_http_api_url = base
    dashscope.api_key = args.api_key
    headers = {"Authorization": f"Bearer {args.api_key}", "Accept": "application/json; charset=utf-8"}
    bare = http.client.HTTPConnection("127.0.0.1", args.port)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "quit":
            return 0
        if op in ("retrieve-sdk", "retrieve-bare"):
            thread_id = command["thread_id"]
            latencies = []
            for _ in range(command["n"]):
                start = time.perf_counter()
                if op == "retrieve-sdk":
                    thread = Threads.retrieve(thread_id)
                    assert thread.status_code == 200 and thread.id == thread_id
                else:
                    bare.request("GET", f"/api/v1/threads/{thread_id}", headers=headers)
                    assert json.loads(bare.getresponse().read())["id"] == thread_id
                latencies.append(round((time.perf_counter() - start) * 1e6))
            answer = {"latencies_us": latencies}
        elif op in ("stream-sdk", "stream-raw"):
            thread = Threads.create(messages=[{"role": "user", "content": "go"}])
            assert thread.status_code == 200, thread
            stream = stream_sdk if op == "stream-sdk" else stream_raw
            answer = stream(args, thread.id, command["assistant_id"])
        else:
            answer = {"error": f"unknown op {op}"}
        print(json.dumps(answer), flush=True)
    return 0


def stream_sdk(args, thread_id, assistant_id):
    """The SDK's streamed run, iterated as an application would."""
    from dashscope import Runs
    cpu = cpu_seconds()
    first = None
    count = 0
    for name, item in Runs.create(thread_id, assistant_id=assistant_id, stream=True):
        if first is None:
            first = time.perf_counter()
        count += 1
    end = time.perf_counter()
    assert name == "thread.run.completed", name
    return {"events": count, "first_to_last_s": end - first, "cpu_s": cpu_seconds() - cpu}


def stream_raw(args, thread_id, assistant_id):
    """The floor: the same stream's HTTP response read off a socket in large reads, counting the
    blank lines that end SSE events; no chunk decoding, no parsing."""
    body = json.dumps({"assistant_id": assistant_id, "stream": True}).encode()
    request = (f"POST /api/v1/threads/{thread_id}/runs HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               f"Authorization: Bearer {args.api_key}\r\nContent-Type: application/json\r\n"
               f"Accept: text/event-stream\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    cpu = cpu_seconds()
    connection = socket.create_connection(("127.0.0.1", args.port))
    connection.sendall(request)
    first = None
    count = 0
    last = b""
    while True:
        chunk = connection.recv(1 << 20)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter()
        count += (last + chunk[:1]).count(b"\n\n") + chunk.count(b"\n\n")
        last = chunk[-1:]
        if chunk.endswith(b"\r\n0\r\n\r\n"):
            break
    end = time.perf_counter()
    connection.close()
    return {"events": count, "first_to_last_s": end - first, "cpu_s": cpu_seconds() - cpu}


if __name__ == "__main__":
    sys.exit(main())
