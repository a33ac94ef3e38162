#!/usr/bin/env python3
"""A FAKE OpenAI-compatible /chat/completions server, for OpenAIChatModel's tests only.

It answers each chat request with the next scripted response; it has no model. It prints its
port on stdout, then serves until stdin closes (so it dies with the test process).

Control endpoints:
  POST /__control__/script    {"responses": [RESPONSE, ...]}  appended to the queue
  POST /__control__/release   opens the gate a `{"gate": true}` stream item waits on
  GET  /__control__/requests  {"requests": [{method, path, headers, body, client_port,
                                 disconnected, gate_timed_out}, ...]}

RESPONSE is one of:
  {"status": 429, "body": {...} or "text", "headers": {...}}      a plain (error) answer
  {"json": {...}}                                                 a non-streamed 200 JSON answer
  {"status": 500, "echo_headers": true}                           an error whose message repeats the
                                                                  request's headers (as some proxies do)
  {"close": true}          read the request, then close the connection (FIN) without a byte
  {"reset": true}          read the request, then reset the connection (RST) without a byte
  {"silent": seconds}      read the request, send nothing for that long, then close
  {"garbage": "text" or "b64": "...", "content_type": "..."}     a 200 with these bytes as its body
  {"stream": [ITEM, ...], "done": true, "space": true}            an SSE stream (chunked)
ITEM is one of:
  {"text": "..."}          a chunk whose delta has `content`
  {"tool_calls": [...]}    a chunk whose delta has these `tool_calls` fragments
  {"delta": {...}}         a chunk with this delta
  {"finish": "stop"}       a chunk with an empty delta and this finish_reason
  {"usage": [p, c]}        the include_usage chunk: `choices: []` and usage
  {"chunk": {...}}         this chunk, verbatim
  {"raw": "..."}           these bytes, verbatim
  {"raw_b64": "..."}       these bytes (base64), verbatim: for invalid UTF-8
  {"error": {...}}         `data: {"error": ...}`
  {"sleep": seconds}       flush, then pause
  {"gate": true}           flush, then wait for /__control__/release (20 s at most; on
                           timeout a "[gate timed out]" text chunk is sent and logged)
  {"hold": true}           flush, then wait until the client disconnects (60 s at most)
  {"break": true}          flush, then close the socket without ending the body
  {"reset": true}          flush, then reset the connection (RST) without ending the body
"""

import base64
import json
import os
import struct
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_LOCK = threading.Lock()
SCRIPT = []
REQUESTS = []
GATE = threading.Event()

REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        pass  # keep the test output clean

    # -- plumbing ---------------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client went away before its body was whole: no request, as a real server sees it.
            raise ClientGone()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode("utf-8", "replace")

    def head_bytes(self, status, headers):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
        lines += ["%s: %s" % (key, value) for key, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def send_whole(self, status, body, content_type="application/json", extra_headers=None):
        """Headers and body in one write."""
        if not isinstance(body, (bytes, bytearray)):
            body = (json.dumps(body) if not isinstance(body, str) else body).encode()
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        headers.update(extra_headers or {})
        self.wfile.write(self.head_bytes(status, headers) + body)

    # -- routes ------------------------------------------------------------------------------

    def do_GET(self):
        if self.path == "/__control__/requests":
            with STATE_LOCK:
                snapshot = json.loads(json.dumps(REQUESTS))
            self.send_whole(200, {"requests": snapshot})
        else:
            self.send_whole(404, {"error": {"message": "fake server: no GET " + self.path}})

    def do_POST(self):
        try:
            body = self.read_body()
        except ClientGone:
            self.close_connection = True
            return
        if self.path == "/__control__/script":
            with STATE_LOCK:
                SCRIPT.extend(body["responses"])
            self.send_whole(200, {"queued": len(body["responses"])})
            return
        if self.path == "/__control__/release":
            GATE.set()
            self.send_whole(200, {"released": True})
            return
        entry = {
            "method": "POST",
            "path": self.path,
            "headers": {key.lower(): value for key, value in self.headers.items()},
            "body": body,
            "client_port": self.client_address[1],
            "disconnected": False,
            "gate_timed_out": False,
        }
        with STATE_LOCK:
            REQUESTS.append(entry)
            response = SCRIPT.pop(0) if SCRIPT else None
        if not self.path.endswith("/chat/completions"):
            self.send_whole(404, {"error": {"message": "fake server: unknown path " + self.path}})
            return
        if response is None:
            self.send_whole(500, {"error": {"message": "fake server: no scripted response left"}})
            return
        try:
            self.answer(response, body if isinstance(body, dict) else {}, entry)
        except (ClientGone, BrokenPipeError, ConnectionResetError):
            with STATE_LOCK:
                entry["disconnected"] = True
            self.close_connection = True

    def reset_connection(self):
        """Drop the connection with a TCP reset, as a crashed proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def answer(self, response, request, entry):
        if response.get("close"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif response.get("reset"):
            self.reset_connection()
        elif "silent" in response:
            self.wait_for_disconnect(response["silent"])
            self.close_connection = True
        elif "garbage" in response or "b64" in response:
            data = base64.b64decode(response["b64"]) if "b64" in response else response["garbage"].encode()
            self.send_whole(200, data, response.get("content_type", "text/plain"))
        elif "stream" in response:
            self.stream(response, request, entry)
        elif "json" in response:
            self.send_whole(200, response["json"])
        else:
            body = response.get("body", "")
            if response.get("echo_headers"):
                echoed = "; ".join("%s: %s" % (k, v) for k, v in self.headers.items())
                body = {"error": {"message": "upstream refused the request with headers " + echoed}}
            content_type = "application/json" if isinstance(body, dict) else "text/plain"
            self.send_whole(response.get("status", 500), body, content_type, response.get("headers"))

    # -- streams -----------------------------------------------------------------------------

    def stream(self, response, request, entry):
        model = request.get("model", "fake-model")
        wants_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        prefix = "data: " if response.get("space", True) else "data:"
        pending = [self.head_bytes(200, {"Content-Type": "text/event-stream",
                                         "Cache-Control": "no-cache",
                                         "Transfer-Encoding": "chunked"})]
        started = [False]

        def envelope(choices, usage=None):
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                     "created": int(time.time()), "model": model, "choices": choices}
            if wants_usage or usage is not None:
                chunk["usage"] = usage
            return chunk

        def choice(delta, finish=None):
            return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

        def put(text):
            data = text.encode()
            pending.append(b"%x\r\n" % len(data) + data + b"\r\n")

        def event(obj):
            put(prefix + json.dumps(obj) + "\n\n")

        def flush():
            if pending:
                self.wfile.write(b"".join(pending))
                pending.clear()
                started[0] = True

        for item in response["stream"]:
            if "text" in item:
                event(envelope(choice({"content": item["text"]})))
            elif "tool_calls" in item:
                event(envelope(choice({"tool_calls": item["tool_calls"]})))
            elif "delta" in item:
                event(envelope(choice(item["delta"])))
            elif "finish" in item:
                event(envelope(choice({}, item["finish"])))
            elif "usage" in item:
                prompt, completion = item["usage"]
                event(envelope([], {"prompt_tokens": prompt, "completion_tokens": completion,
                                    "total_tokens": prompt + completion}))
            elif "chunk" in item:
                event(item["chunk"])
            elif "raw" in item:
                put(item["raw"])
            elif "raw_b64" in item:
                data = base64.b64decode(item["raw_b64"])
                pending.append(b"%x\r\n" % len(data) + data + b"\r\n")
            elif "error" in item:
                event({"error": item["error"]})
            elif "sleep" in item:
                flush()
                time.sleep(item["sleep"])
            elif "gate" in item:
                flush()
                if not GATE.wait(20):
                    with STATE_LOCK:
                        entry["gate_timed_out"] = True
                    event(envelope(choice({"content": "[gate timed out]"})))
                GATE.clear()
            elif "hold" in item:
                flush()
                if self.wait_for_disconnect(60):
                    raise ClientGone()
            elif "break" in item:
                flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif "reset" in item:
                flush()
                self.reset_connection()
                return
        if response.get("done", True):
            put(prefix + "[DONE]\n\n")
        pending.append(b"0\r\n\r\n")
        flush()

    def wait_for_disconnect(self, limit):
        deadline = time.time() + limit
        while time.time() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
                time.sleep(0.05)
        return False


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
