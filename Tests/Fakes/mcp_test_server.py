#!/usr/bin/env python3
"""A TEST DOUBLE of an MCP server (Model Context Protocol over stdio, newline-delimited JSON-RPC),
for MCPClientTests. Standard library only. Not a real MCP server: it has just the tools and the
misbehaviours the tests need.

Options:
  --page-size N            tools/list pages of N tools (default 2), linked by nextCursor
  --protocol-version V     answer initialize with V instead of the version asked for
  --never-answer METHOD    read METHOD's requests and never answer them
  --exit-at-start CODE     write a line to stderr and exit with CODE before reading anything
  --ignore-sigterm         ignore SIGTERM (only SIGKILL ends it)
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

TOOLS = [
    {"name": "add", "description": "Adds two numbers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}},
    {"name": "echo", "title": "Echo", "description": "Answers its text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "fail", "description": "Always fails (isError).", "inputSchema": {"type": "object"}},
    {"name": "sleep", "description": "Sleeps, then answers.",
     "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}}},
    {"name": "exit", "description": "Writes a line to stderr and exits mid-call.",
     "inputSchema": {"type": "object", "properties": {"code": {"type": "integer"}}}},
    {"name": "garbage", "description": "Writes a line that is not JSON and one that is no message, then answers.", "inputSchema": {"type": "object"}},
    {"name": "spawn_child", "description": "Starts a long sleep as its own child; answers its pid.", "inputSchema": {"type": "object"}},
    {"name": "exit_leaving_child", "description": "Starts a long sleep that keeps its stdout, then exits mid-call.",
     "inputSchema": {"type": "object"}},
    {"name": "ping_client", "description": "Pings the client, answers once it replied.", "inputSchema": {"type": "object"}},
    {"name": "env", "description": "Answers an environment variable.",
     "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}}},
    {"name": "cwd", "description": "Answers its working directory.", "inputSchema": {"type": "object"}},
    {"name": "image", "description": "Answers text and an image.", "inputSchema": {"type": "object"}},
    {"name": "handshake", "description": "Answers what the client sent in initialize.", "inputSchema": {"type": "object"}},
    {"name": "cancellations", "description": "Answers the notifications/cancelled received.", "inputSchema": {"type": "object"}},
    {"name": "grow", "description": "Adds a tool named 'extra' and says the tool list changed.", "inputSchema": {"type": "object"}},
]

out_lock = threading.Lock()
state = {"initialize": None, "initialized": False, "next_id": 1, "waiting": {}, "cancelled": []}


def send(message):
    line = json.dumps(message)
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def write_raw(text):
    with out_lock:
        sys.stdout.write(text)
        sys.stdout.flush()


def text_result(text, is_error=False):
    return {"content": [{"type": "text", "text": text}], "isError": is_error}


def ask_client(method):
    event = threading.Event()
    with out_lock:
        request_id = "srv-%d" % state["next_id"]
        state["next_id"] += 1
        state["waiting"][request_id] = {"event": event}
    send({"jsonrpc": "2.0", "id": request_id, "method": method})
    if not event.wait(10):
        return None
    return state["waiting"].pop(request_id)["response"]


def call_tool(name, arguments):
    if name == "add":
        return text_result(str(arguments["a"] + arguments["b"]))
    if name == "echo":
        return text_result(arguments.get("text", ""))
    if name == "fail":
        return text_result("the tool failed on purpose", is_error=True)
    if name == "sleep":
        time.sleep(float(arguments.get("seconds", 60)))
        return text_result("slept")
    if name == "exit":
        sys.stderr.write("exiting mid-call on purpose\n")
        sys.stderr.flush()
        os._exit(int(arguments.get("code", 3)))
    if name == "garbage":
        write_raw("this line is not JSON\n")
        write_raw('{"neither": "is this a JSON-RPC message"}\n')
        return text_result("answered after garbage")
    if name == "exit_leaving_child":
        child = subprocess.Popen(["sleep", "300"])  # inherits stdin, stdout and stderr
        sys.stderr.write("left child %d behind\n" % child.pid)
        sys.stderr.flush()
        os._exit(5)
    if name == "spawn_child":
        child = subprocess.Popen(["sleep", "300"])
        return text_result(str(child.pid))
    if name == "ping_client":
        response = ask_client("ping")
        return text_result("pong" if response is not None and response.get("result") == {} else "no pong: %r" % (response,))
    if name == "env":
        return text_result(os.environ.get(arguments.get("name", ""), "<unset>"))
    if name == "cwd":
        return text_result(os.getcwd())
    if name == "image":
        return {"content": [{"type": "text", "text": "a red dot"},
                            {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}]}
    if name == "grow":
        TOOLS.append({"name": "extra", "description": "Added by grow.", "inputSchema": {"type": "object"}})
        send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        return text_result("grown")
    if name == "extra":
        return text_result("extra answered")
    if name == "cancellations":
        return {"content": [], "structuredContent": {"cancelled": state["cancelled"]}}
    if name == "handshake":
        return {"content": [], "structuredContent": {"initialize": state["initialize"], "initialized": state["initialized"]}}
    return None


def handle(message, options):
    method = message.get("method")
    request_id = message.get("id")
    if method is None:
        waiting = state["waiting"].get(request_id)
        if waiting is not None:
            waiting["response"] = message
            waiting["event"].set()
        return
    if request_id is None:
        if method == "notifications/initialized":
            state["initialized"] = True
            send({"jsonrpc": "2.0", "method": "notifications/message",
                  "params": {"level": "info", "logger": "test", "data": "ready"}})
        elif method == "notifications/cancelled":
            state["cancelled"].append(message.get("params"))
        return
    if method in options.never_answer:
        return
    params = message.get("params") or {}
    if method == "initialize":
        state["initialize"] = params
        version = options.protocol_version or params.get("protocolVersion")
        result = {"protocolVersion": version, "capabilities": {"tools": {"listChanged": True}},
                  "serverInfo": {"name": "mcp-test-server", "version": "0.1"}, "instructions": "Test tools only."}
    elif method == "ping":
        result = {}
    elif method == "tools/list":
        start = int(params.get("cursor") or 0)
        page = TOOLS[start:start + options.page_size]
        result = {"tools": page}
        if start + options.page_size < len(TOOLS):
            result["nextCursor"] = str(start + options.page_size)
    elif method == "tools/call":
        def run():
            try:
                tool_result = call_tool(params.get("name"), params.get("arguments") or {})
            except Exception as error:  # a bad argument: a tool error, as a real server reports it
                tool_result = text_result("error: %s" % error, is_error=True)
            if tool_result is None:
                send({"jsonrpc": "2.0", "id": request_id,
                      "error": {"code": -32602, "message": "Unknown tool: %s" % params.get("name")}})
            else:
                send({"jsonrpc": "2.0", "id": request_id, "result": tool_result})
        threading.Thread(target=run, daemon=True).start()
        return
    else:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "Method not found: %s" % method}})
        return
    send({"jsonrpc": "2.0", "id": request_id, "result": result})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--protocol-version")
    parser.add_argument("--never-answer", action="append", default=[])
    parser.add_argument("--exit-at-start", type=int)
    parser.add_argument("--ignore-sigterm", action="store_true")
    options = parser.parse_args()
    if options.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if options.exit_at_start is not None:
        sys.stderr.write("cannot start: configured to fail\n")
        sys.exit(options.exit_at_start)
    sys.stderr.write("mcp test server listening on stdin\n")
    sys.stderr.flush()
    for line in sys.stdin:
        line = line.strip()
        if line:
            handle(json.loads(line), options)


if __name__ == "__main__":
    main()
