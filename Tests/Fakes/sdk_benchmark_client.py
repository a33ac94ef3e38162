#!/usr/bin/env python3
"""The Python side of DashScopeBenchmark (Sources/Benchmarks/DashScopeBenchmark): times the
official SDK, and a bare keep-alive HTTP client, against the FAKE DashScope server. Prints one
JSON object on stdout.

  --mode retrieve-sdk   Threads.retrieve N times          -> {"latencies_ms": [...]}
  --mode retrieve-bare  GET threads/{id} N times with http.client on one connection
  --mode stream-sdk     Runs.create(stream=True), iterate -> {"events", "first_to_last_s", "total_s"}
"""

import argparse
import http.client
import json
import sys
import time
import warnings

warnings.simplefilter("ignore", DeprecationWarning)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--thread-id", required=True)
    parser.add_argument("--assistant-id", default="")
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}/api/v1"
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


if __name__ == "__main__":
    sys.exit(main())
