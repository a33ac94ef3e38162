#!/usr/bin/env python3
"""A FAKE DashScope Assistant API server, for tests and benchmarks only.

It speaks the wire protocol of protocol/hosted-service.md (as the official Python SDK
speaks it): the same paths and verbs, bare JSON objects with a top-level `request_id`, the list
envelope, deletion statuses, `{code, message, request_id}` error bodies, millisecond
timestamps, prefixed UUID ids, and SSE in the service's exact framing (`event:NAME` /
`data:{compact json}` with no space, ending `event:done` / `data:[DONE]`). The service's
quirks are reproduced: non-stream create returns `in_progress`; non-stream submit returns
`in_progress` still carrying the old `required_action`; user messages carry
`assistant_id:""`, `run_id:""`, `incomplete_details:{}`; GETs of runs write unset fields as
`{}`/`0`, step lists as `-1`/`0`; the body `""` is accepted as an empty thread create;
`tool_call_id` is `""` and outputs match calls by position; there is no cancel endpoint
(unless a test turns one on).

Runs are deterministic, so tests can assert on them: a run calls the first function tool
whose name appears in the last user message (arguments: every string property of the
schema set to that message's text), else it answers "You said: <text>". After tool
outputs are submitted it answers "<name> returned: <output>". A non-stream run reaches its
next state `run_ms` milliseconds after it was created or resumed (checked lazily on access).
Ids are UUID-shaped but sequential per prefix after each reset, so two clients running the
same flow against a fresh fake see the same ids (the SDK parity tests rely on this).

Test controls (never part of the service), all under /__control__/:
  POST reset                  clear state, request log, failure rules and knobs
  GET  requests               the request log: [{method, path, query, headers, body_text, body}]
  POST requests/clear         clear the request log only
  GET  stats                  {aborted_streams (clients that hung up mid-stream), requests}
  POST fail {status, code?, message?, retry_after?, count?, path_regex?, method?, delay_ms?}
                              answer the next `count` matching requests with that error
                              (status 0 = reset the connection without answering);
                              delay_ms alone (status absent) only slows them down;
                              action instead of status: "close" (close without a byte after
                              reading the request), "headers_then_silence" (an event-stream head,
                              then nothing until the client hangs up), "garbage" (a 200 whose body
                              is `body_b64` or `body`, with `content_type`), "echo_request" (a
                              `status` error whose message repeats the request's headers and body,
                              as some gateways do)
  POST knobs {...}            stream_deltas (N text deltas per answer), reset_after_events,
                              malformed_after_events, error_after_events, stall_after_events +
                              stall_ms, sse_style (service|spaced|crlf|multiline|comments|no_done),
                              run_ms, cancel_supported, flush_every (events per socket write),
                              bad_tool_calls (step_delta|required_action: that event's
                              `tool_calls` is an object, not an array)

Usage: fake_dashscope_server.py [--api-key KEY]... [--port 0] [--exit-on-stdin-eof]; prints the port on stdout.
"""

import argparse
import base64
import json
import re
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SSE_CONTENT_TYPE = "text/event-stream;charset=UTF-8"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
TERMINAL = {"cancelled", "failed", "completed", "expired", "incomplete"}
ACTIVE = {"queued", "in_progress", "requires_action", "cancelling"}


def now_ms():
    return int(time.time() * 1000)


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class ServiceError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what, ident):
    return ServiceError(404, "NotFound", f"{what} {ident} not found")


def invalid(message):
    return ServiceError(400, "InvalidParameter", message)


class State:
    """Every object of the service, in memory, behind one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.counters = {}
            self.assistants = {}
            self.assistant_files = {}  # assistant_id -> {file_id: object}
            self.threads = {}
            self.messages = {}  # thread_id -> [message]
            self.runs = {}  # thread_id -> [run]
            self.steps = {}  # run_id -> [step]
            self.request_log = []
            self.aborted_streams = 0
            self.fail_rules = []
            self.knobs = {
                "stream_deltas": 0,
                "reset_after_events": None,
                "malformed_after_events": None,
                "error_after_events": None,
                "stall_after_events": None,
                "stall_ms": 0,
                "sse_style": "service",
                "run_ms": 30,
                "cancel_supported": False,
                "flush_every": 1,
                "bad_tool_calls": None,
            }

    def new_id(self, prefix):
        count = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = count
        return f"{prefix}{uuid.UUID(int=(count | (0x4 << 76) | (0x8 << 60)))}"

    def request_id(self):
        return str(uuid.uuid4())


STATE = State()


# MARK: object builders


def text_part(value):
    return {"type": "text", "text": {"value": value, "annotations": []}}


def message_text(message):
    return "".join(p.get("text", {}).get("value", "") for p in message.get("content", []) if p.get("type") == "text")


def normalize_content(content):
    if isinstance(content, str):
        return [text_part(content)]
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                text = part.get("text")
                parts.append(text_part(text.get("value", "") if isinstance(text, dict) else str(text)))
            elif isinstance(part, dict):
                parts.append(part)
        return parts
    raise invalid("content must be a string or a list of content parts")


def user_message(thread_id, spec):
    if not isinstance(spec, dict):
        raise invalid("a message must be an object")
    if "content" not in spec or spec["content"] in ("", None, []):
        raise invalid("content is required")
    return {
        "id": STATE.new_id("message_"),
        "object": "thread.message",
        "created_at": now_ms(),
        "thread_id": thread_id,
        "role": spec.get("role") or "user",
        "content": normalize_content(spec["content"]),
        "assistant_id": "",
        "run_id": "",
        "file_ids": spec.get("file_ids") or [],
        "metadata": spec.get("metadata") or {},
        "name": "",
        "plugin_call": {},
        "tool_calls": [],
        "status": "",
        "incomplete_details": {},
        "completed_at": None,
        "incomplete_at": None,
    }


def new_thread(spec):
    thread = {"id": STATE.new_id("thread_"), "object": "thread", "created_at": now_ms(), "metadata": {}}
    if spec:
        thread["metadata"] = spec.get("metadata") or {}
    STATE.threads[thread["id"]] = thread
    STATE.messages[thread["id"]] = []
    STATE.runs[thread["id"]] = []
    for item in (spec or {}).get("messages") or []:
        STATE.messages[thread["id"]].append(user_message(thread["id"], item))
    return thread


def function_tools(tools):
    return [t for t in tools or [] if isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)]


def plan_turn(run):
    """What the run does next: ("call", tool, arguments) or ("answer", text)."""
    messages = STATE.messages[run["thread_id"]]
    users = [m for m in messages if m["role"] == "user"]
    last_text = message_text(users[-1]) if users else ""
    if run.get("_tool_outputs") is not None:
        call = run["_pending_call"]
        outputs = run["_tool_outputs"]
        output = outputs[0].get("output", "") if outputs else ""
        return ("answer", f"{call['function']['name']} returned: {output}")
    for tool in function_tools(run["tools"]):
        name = tool["function"].get("name", "")
        if name and name in last_text:
            properties = (tool["function"].get("parameters") or {}).get("properties") or {}
            arguments = {key: last_text for key, schema in properties.items() if isinstance(schema, dict) and schema.get("type") == "string"}
            return ("call", tool, compact(arguments))
    return ("answer", f"You said: {last_text}")


def answer_chunks(text):
    count = STATE.knobs["stream_deltas"]
    if count:
        return ["tok "] * count
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def new_step(run, details):
    step = {
        "id": STATE.new_id("step_"),
        "object": "thread.run.step",
        "created_at": now_ms(),
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "run_id": run["id"],
        "type": details["type"],
        "status": "in_progress",
        "step_details": details,
        "last_error": None,
        "expired_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "metadata": {},
        "usage": None,
    }
    STATE.steps.setdefault(run["id"], []).append(step)
    return step


def assistant_message(run, text):
    message = {
        "id": STATE.new_id("message_"),
        "object": "thread.message",
        "created_at": now_ms(),
        "thread_id": run["thread_id"],
        "role": "assistant",
        "content": [],
        "assistant_id": run["assistant_id"],
        "run_id": run["id"],
        "file_ids": [],
        "metadata": {},
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
    }
    STATE.messages[run["thread_id"]].append(message)
    return message


def usage(text):
    out = max(1, len(text.split()))
    return {"input_tokens": 12, "output_tokens": out, "total_tokens": 12 + out}


def advance_run(run):
    """Non-stream progress: the run's next state is reached run_ms after it started or resumed."""
    if run["status"] not in ("queued", "in_progress"):
        return
    if now_ms() < run["_due_at"]:
        return
    for _ in run_events(run):
        pass


def run_events(run):
    """Drives the run from queued/in_progress to its next stop, yielding (event, object)."""
    kind = plan_turn(run)
    if kind[0] == "call":
        _, tool, arguments = kind
        call = {"id": "", "type": "function", "function": {"name": tool["function"]["name"], "arguments": arguments, "output": None}}
        step = new_step(run, {"type": "tool_calls", "tool_calls": []})
        yield "thread.run.step.created", step
        yield "thread.run.step.in_progress", step
        step["step_details"] = {"type": "tool_calls", "tool_calls": [call]}
        yield "thread.run.step.delta", {
            "id": step["id"],
            "object": "thread.run.step.delta",
            "delta": {"step_details": {"type": "tool_calls", "tool_calls": [{"index": 0, **call}]}},
        }
        run["_pending_call"] = call
        run["_pending_step"] = step["id"]
        run["_tool_outputs"] = None
        run["status"] = "requires_action"
        run["required_action"] = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [
            {"id": "", "type": "function", "function": {"name": call["function"]["name"], "arguments": arguments}}]}}
        yield "thread.run.requires_action", run
        return
    text = kind[1]
    step = new_step(run, {"type": "message_creation", "message_creation": {"message_id": ""}})
    message = assistant_message(run, text)
    step["step_details"]["message_creation"]["message_id"] = message["id"]
    yield "thread.run.step.created", step
    yield "thread.run.step.in_progress", step
    yield "thread.message.created", message
    yield "thread.message.in_progress", message
    for chunk in answer_chunks(text) + [""]:
        yield "thread.message.delta", {
            "id": message["id"],
            "object": "thread.message.delta",
            "delta": {"role": "assistant", "content": [{"type": "text", "text": {"value": chunk, "annotations": []}}], "file_ids": []},
        }
    full = "".join(answer_chunks(text))
    message["content"] = [text_part(full)]
    message["status"] = "completed"
    message["completed_at"] = now_ms()
    yield "thread.message.completed", message
    step["status"] = "completed"
    step["completed_at"] = now_ms()
    step["usage"] = usage(full)
    yield "thread.run.step.completed", step
    run["status"] = "completed"
    run["completed_at"] = now_ms()
    run["required_action"] = None
    run["usage"] = usage(full)
    yield "thread.run.completed", run


def start_events(run):
    yield "thread.run.created", run
    yield "thread.run.queued", run
    run["status"] = "in_progress"
    run["started_at"] = now_ms()
    yield "thread.run.in_progress", run
    yield from run_events(run)


def resume_events(run):
    step = next(s for s in STATE.steps[run["id"]] if s["id"] == run["_pending_step"])
    outputs = run["_tool_outputs"]
    call = step["step_details"]["tool_calls"][0]
    call["function"]["output"] = outputs[0].get("output", "") if outputs else ""
    step["status"] = "completed"
    step["completed_at"] = now_ms()
    yield "thread.run.step.completed", step
    run["status"] = "queued"
    run["required_action"] = None
    yield "thread.run.queued", run
    run["status"] = "in_progress"
    yield "thread.run.in_progress", run
    yield from run_events(run)


# MARK: wire views (the service's quirks on GETs)


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def legacy_run_view(run):
    view = public(run)
    for key in ("required_action", "last_error", "usage"):
        if view.get(key) is None:
            view[key] = {}
    for key in ("expires_at", "started_at", "cancelled_at", "failed_at", "completed_at"):
        if view.get(key) is None:
            view[key] = 0
    return view


def legacy_step_view(step):
    view = public(step)
    for key in ("cancelled_at", "failed_at", "completed_at"):
        if view.get(key) is None:
            view[key] = -1
    if view.get("expired_at") is None:
        view["expired_at"] = 0
    if view.get("last_error") is None:
        view["last_error"] = {"code": "", "message": ""}
    if view.get("usage") is None:
        view["usage"] = {}
    return view


def page(items, query, view=public):
    limit = int(query.get("limit", ["20"])[0])
    order = query.get("order", ["desc"])[0]
    if order not in ("asc", "desc"):
        raise invalid(f"order must be asc or desc, got {order}")
    ordered = list(items) if order == "asc" else list(reversed(items))
    ids = [item["id"] for item in ordered]
    if "after" in query and query["after"][0] in ids:
        ordered = ordered[ids.index(query["after"][0]) + 1:]
    if "before" in query and query["before"][0] in ids:
        ordered = ordered[:ids.index(query["before"][0])]
    data = [view(item) for item in ordered[:limit]] if limit > 0 else []
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else "",
        "last_id": data[-1]["id"] if data else "",
        "has_more": len(ordered) > len(data),
    }


# MARK: endpoints


def find_thread(thread_id):
    if thread_id not in STATE.threads:
        raise not_found("thread", thread_id)
    return STATE.threads[thread_id]


def find_run(thread_id, run_id):
    find_thread(thread_id)
    for run in STATE.runs[thread_id]:
        if run["id"] == run_id:
            return run
    raise not_found("run", run_id)


def find_assistant(assistant_id):
    if assistant_id not in STATE.assistants:
        raise not_found("assistant", assistant_id)
    return STATE.assistants[assistant_id]


def require_object(body):
    if body in (None, ""):
        return {}
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    return body


def check_no_active_run(thread_id):
    for run in STATE.runs[thread_id]:
        advance_run(run)
        if run["status"] in ACTIVE:
            raise invalid(f"Thread {thread_id} already has an active run {run['id']}.")


def create_assistant(body):
    body = require_object(body)
    if not body.get("model"):
        raise invalid("model is required")
    assistant = {
        "id": STATE.new_id("asst_"),
        "object": "assistant",
        "created_at": now_ms(),
        "model": body["model"],
        "name": body.get("name"),
        "description": body.get("description"),
        "instructions": body.get("instructions"),
        "tools": body.get("tools") or [],
        "file_ids": body.get("file_ids") or [],
        "metadata": body.get("metadata") or {},
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "top_k": body.get("top_k"),
        "max_tokens": body.get("max_tokens"),
    }
    STATE.assistants[assistant["id"]] = assistant
    STATE.assistant_files[assistant["id"]] = {}
    return assistant


def update_assistant(assistant_id, body):
    assistant = find_assistant(assistant_id)
    body = require_object(body)
    for key in ("model", "name", "description", "instructions", "tools", "file_ids", "temperature", "top_p", "top_k", "max_tokens"):
        if key in body and body[key] is not None:
            assistant[key] = body[key]
    if body.get("metadata") is not None:
        assistant["metadata"] = body["metadata"]
    return assistant


def new_run(thread_id, body):
    assistant = find_assistant(body.get("assistant_id") or "")
    run = {
        "id": STATE.new_id("run_"),
        "object": "thread.run",
        "created_at": now_ms(),
        "thread_id": thread_id,
        "assistant_id": assistant["id"],
        "status": "queued",
        "required_action": None,
        "last_error": None,
        "expires_at": None,
        "started_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "model": body.get("model") or assistant["model"],
        "instructions": body.get("instructions") or assistant["instructions"],
        "tools": body.get("tools") or assistant["tools"],
        "file_ids": assistant["file_ids"],
        "metadata": body.get("metadata") or {},
        "usage": None,
        "temperature": body.get("temperature", assistant["temperature"]),
        "top_p": body.get("top_p", assistant["top_p"]),
        "top_k": body.get("top_k", assistant["top_k"]),
        "max_tokens": body.get("max_tokens", assistant["max_tokens"]),
        "truncation_strategy": body.get("truncation_strategy"),
        "tool_choice": body.get("tool_choice", "auto"),
        "_due_at": now_ms() + STATE.knobs["run_ms"],
        "_tool_outputs": None,
    }
    for item in body.get("additional_messages") or []:
        STATE.messages[thread_id].append(user_message(thread_id, item))
    STATE.runs[thread_id].append(run)
    return run


def route(method, path, query, body):
    """Returns (status, json object) or (status, generator of SSE events) for streams."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] != ["api", "v1"]:
        raise ServiceError(404, "NotFound", f"no route for {path}")
    p = parts[2:]
    n = len(p)
    # assistants
    if p[:1] == ["assistants"]:
        if n == 1 and method == "POST":
            return create_assistant(body)
        if n == 1 and method == "GET":
            return page(STATE.assistants.values(), query)
        if n == 2:
            if method == "GET":
                return find_assistant(p[1])
            if method == "POST":
                return update_assistant(p[1], body)
            if method == "DELETE":
                find_assistant(p[1])
                del STATE.assistants[p[1]]
                return {"id": p[1], "object": "assistant.deleted", "deleted": True}
        if n >= 3 and p[2] == "files":
            assistant = find_assistant(p[1])
            files = STATE.assistant_files[p[1]]
            if n == 3 and method == "POST":
                file_id = require_object(body).get("file_id")
                if not file_id:
                    raise invalid("file_id is required")
                files[file_id] = {"id": file_id, "object": "assistant.file", "created_at": now_ms(), "assistant_id": p[1]}
                if file_id not in assistant["file_ids"]:
                    assistant["file_ids"].append(file_id)
                return files[file_id]
            if n == 3 and method == "GET":
                return page(files.values(), query)
            if n == 4 and p[3] not in files:
                raise not_found("file", p[3])
            if n == 4 and method == "GET":
                return files[p[3]]
            if n == 4 and method == "DELETE":
                del files[p[3]]
                assistant["file_ids"] = [f for f in assistant["file_ids"] if f != p[3]]
                return {"id": p[3], "object": "assistant.file.deleted", "deleted": True}
    if p[:1] != ["threads"]:
        raise ServiceError(404, "NotFound", f"no route for {method} {path}")
    # create thread and run
    if n == 2 and p[1] == "runs" and method == "POST":
        body = require_object(body)
        find_assistant(body.get("assistant_id") or "")
        thread = new_thread(body.get("thread") or {})
        run = new_run(thread["id"], body)
        if body.get("stream"):
            return stream_of(thread_and_run_events(thread, run))
        run["status"] = "in_progress"
        run["started_at"] = now_ms()
        return public(run)
    if n == 1 and method == "POST":
        body = require_object(body)
        return new_thread(body)
    thread_id = p[1]
    if n == 2:
        thread = find_thread(thread_id)
        if method == "GET":
            return thread
        if method == "POST":
            metadata = require_object(body).get("metadata")
            if metadata is not None:
                thread["metadata"] = metadata
            return thread
        if method == "DELETE":
            del STATE.threads[thread_id]
            return {"id": thread_id, "object": "thread.deleted", "deleted": True}
    find_thread(thread_id)
    if p[2] == "messages":
        for run in STATE.runs[thread_id]:
            advance_run(run)
        messages = STATE.messages[thread_id]
        if n == 3 and method == "POST":
            body = require_object(body)
            message = user_message(thread_id, body)
            messages.append(message)
            return message
        if n == 3 and method == "GET":
            items = messages
            if "run_id" in query:
                items = [m for m in messages if m.get("run_id") == query["run_id"][0]]
            return page(items, query)
        message = next((m for m in messages if m["id"] == p[3]), None)
        if message is None:
            raise not_found("message", p[3])
        if n == 4 and method == "GET":
            return message
        if n == 4 and method == "POST":
            metadata = require_object(body).get("metadata")
            if metadata is not None:
                message["metadata"] = metadata
            return message
        if n >= 5 and p[4] == "files":
            files = [{"id": f, "object": "thread.message.file", "created_at": message["created_at"], "message_id": message["id"]} for f in message["file_ids"]]
            if n == 5 and method == "GET":
                return page(files, query)
            if n == 6 and method == "GET":
                found = next((f for f in files if f["id"] == p[5]), None)
                if found is None:
                    raise not_found("file", p[5])
                return found
    if p[2] == "runs":
        if n == 3 and method == "POST":
            body = require_object(body)
            check_no_active_run(thread_id)
            run = new_run(thread_id, body)
            if body.get("stream"):
                return stream_of(start_events(run))
            run["status"] = "in_progress"
            run["started_at"] = now_ms()
            return public(run)
        if n == 3 and method == "GET":
            for run in STATE.runs[thread_id]:
                advance_run(run)
            return page(STATE.runs[thread_id], query, legacy_run_view)
        run = find_run(thread_id, p[3])
        advance_run(run)
        if n == 4 and method == "GET":
            return legacy_run_view(run)
        if n == 4 and method == "POST":
            metadata = require_object(body).get("metadata")
            if metadata is not None:
                run["metadata"] = metadata
            return public(run)
        if n == 5 and p[4] == "submit_tool_outputs" and method == "POST":
            body = require_object(body)
            if run["status"] != "requires_action":
                raise invalid(f"Run {run['id']} is not waiting for tool outputs (status {run['status']}).")
            outputs = body.get("tool_outputs")
            if not isinstance(outputs, list) or not outputs:
                raise invalid("tool_outputs is required")
            run["_tool_outputs"] = outputs
            if body.get("stream"):
                return stream_of(resume_events(run))
            # The service's quirk: in_progress, still carrying the old required_action.
            answer = public(run)
            run["status"] = "in_progress"
            run["_due_at"] = now_ms() + STATE.knobs["run_ms"]
            answer["status"] = "in_progress"
            step = next(s for s in STATE.steps[run["id"]] if s["id"] == run["_pending_step"])
            step["step_details"]["tool_calls"][0]["function"]["output"] = outputs[0].get("output", "")
            step["status"] = "completed"
            step["completed_at"] = now_ms()
            run["required_action"] = None
            return answer
        if n == 5 and p[4] == "cancel" and method == "POST":
            if not STATE.knobs["cancel_supported"]:
                raise ServiceError(404, "NotFound", f"no route for {method} {path}")
            if run["status"] in TERMINAL:
                raise invalid(f"Cannot cancel run with status '{run['status']}'.")
            run["status"] = "cancelled"
            run["cancelled_at"] = now_ms()
            run["required_action"] = None
            return public(run)
        if n >= 5 and p[4] == "steps" and method == "GET":
            steps = STATE.steps.get(run["id"], [])
            if n == 5:
                return page(steps, query, legacy_step_view)
            step = next((s for s in steps if s["id"] == p[5]), None)
            if step is None:
                raise not_found("step", p[5])
            return public(step)
    raise ServiceError(404, "NotFound", f"no route for {method} {path}")


def thread_and_run_events(thread, run):
    yield "thread.created", thread
    yield from start_events(run)


class stream_of:
    def __init__(self, events):
        self.events = events


# MARK: HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeDashScope/1.0"
    api_keys = ["sk-fake"]

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # quiet: tests read stdout for the port only
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def send_all(self, status, headers, body=b""):
        """Status line, headers and body in one write (small responses, no Nagle delays)."""
        reason = self.responses.get(status, ("",))[0]
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        self.wfile.write(head.encode("latin-1") + body)

    def send_json(self, status, obj, request_id, extra_headers=()):
        obj = dict(obj)
        obj["request_id"] = request_id
        body = compact(obj).encode("utf-8")
        headers = [("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", str(len(body))), ("X-Request-Id", request_id)]
        self.send_all(status, headers + list(extra_headers), body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        data = self.rfile.read(length) if length else b""
        return data if len(data) == length else None

    def handle_any(self, method):
        split = urlsplit(self.path)
        raw = self.read_body()
        if raw is None:
            # The client went away before its body was whole: no request, as a real server sees it.
            self.close_connection = True
            return
        text = raw.decode("utf-8", errors="replace")
        if split.path.startswith("/__control__/"):
            return self.handle_control(method, split.path[len("/__control__/"):], text)
        body = None
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                body = None
        query = parse_qs(split.query, keep_blank_values=True)
        request_id = STATE.request_id()
        with STATE.lock:
            STATE.request_log.append({
                "method": method,
                "path": split.path,
                "query": {k: v[0] for k, v in query.items()},
                "client_port": self.client_address[1],
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body_text": text,
                "body": json.loads(compact(body)),  # a copy: the state may keep (and change) parts of `body`
            })
            rule = self.matching_rule(method, split.path)
        if rule is not None:
            if rule.get("delay_ms"):
                time.sleep(rule["delay_ms"] / 1000)
            if rule.get("status") == 0:
                self.reset_connection()
                return
            if rule.get("action"):
                return self.act(rule, request_id, text)
            if rule.get("status"):
                extra = [("Retry-After", str(rule["retry_after"]))] if rule.get("retry_after") is not None else []
                error = {"code": rule.get("code") or "InternalError", "message": rule.get("message") or "injected failure"}
                return self.send_json(rule["status"], error, request_id, extra)
        if self.headers.get("Authorization") not in {f"Bearer {key}" for key in Handler.api_keys}:
            message = "No API-key provided." if not self.headers.get("Authorization") else "Invalid API-key provided."
            return self.send_json(401, {"code": "InvalidApiKey", "message": message}, request_id)
        try:
            with STATE.lock:
                result = route(method, split.path, query, body)
                if isinstance(result, stream_of):
                    # Generate under the lock (state changes), write outside it.
                    events = list(self.sse_frames(result.events, request_id))
                else:
                    payload = public(result) if isinstance(result, dict) else result
            if isinstance(result, stream_of):
                return self.send_stream(events)
            return self.send_json(200, payload, request_id)
        except ServiceError as error:
            return self.send_json(error.status, {"code": error.code, "message": error.message}, request_id)

    def act(self, rule, request_id, body_text=""):
        """A failure rule's `action`: what a broken proxy or server does instead of answering."""
        action = rule["action"]
        if action == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif action == "headers_then_silence":
            head = ("HTTP/1.1 200 OK\r\nContent-Type: " + SSE_CONTENT_TYPE + "\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
            self.wfile.write(head)
            self.wfile.flush()
            self.close_connection = True
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                        break
                except BlockingIOError:
                    pass
                except OSError:
                    break
                time.sleep(0.05)
        elif action == "garbage":
            body = base64.b64decode(rule["body_b64"]) if "body_b64" in rule else rule.get("body", "").encode()
            self.send_all(200, [("Content-Type", rule.get("content_type", "text/plain")), ("Content-Length", str(len(body)))], body)
        elif action == "echo_request":
            echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
            error = {"code": rule.get("code") or "InternalError",
                     "message": f"the gateway refused a request with headers {echoed} and body {body_text}"}
            self.send_json(rule.get("status") or 500, error, request_id)

    def matching_rule(self, method, path):
        for rule in STATE.fail_rules:
            if rule.get("count", 1) <= 0:
                continue
            if rule.get("method") and rule["method"] != method:
                continue
            if rule.get("path_regex") and not re.search(rule["path_regex"], path):
                continue
            rule["count"] = rule.get("count", 1) - 1
            return dict(rule)
        return None

    def sse_frames(self, events, request_id):
        """Each event as the bytes the service would send, with the test knobs applied."""
        knobs = STATE.knobs
        style = knobs["sse_style"]
        newline = "\r\n" if style == "crlf" else "\n"
        sep = ": " if style == "spaced" else ":"
        if style == "comments":
            yield ("bytes", f":HTTP_STATUS/200{newline}:{newline}{newline}".encode())
        for index, (name, obj) in enumerate(events):
            if knobs["reset_after_events"] is not None and index == knobs["reset_after_events"]:
                yield ("reset", None)
                return
            if knobs["stall_after_events"] is not None and index == knobs["stall_after_events"]:
                yield ("stall", knobs["stall_ms"])
            if knobs["error_after_events"] is not None and index == knobs["error_after_events"]:
                error = {"code": "InternalError.Algo", "message": "the model failed mid-stream", "request_id": request_id}
                yield ("bytes", f"event{sep}error{newline}data{sep}{compact(error)}{newline}{newline}".encode())
                return
            if knobs["malformed_after_events"] is not None and index == knobs["malformed_after_events"]:
                yield ("bytes", f"event{sep}{name}{newline}data{sep}{{\"id\":\"broken{newline}{newline}".encode())
                return
            data = json.loads(compact(public(obj)))
            data["request_id"] = request_id
            bad = knobs["bad_tool_calls"]
            if bad == "step_delta" and name == "thread.run.step.delta":
                data["delta"]["step_details"]["tool_calls"] = {"index": 0, "oops": "not an array"}
            if bad == "required_action" and name == "thread.run.requires_action":
                data["required_action"]["submit_tool_outputs"]["tool_calls"] = {"oops": "not an array"}
            payload = compact(data)
            if style == "multiline":
                # Pretty-printed JSON, one data line per line: joined with \n it is the same JSON.
                pretty = json.dumps(data, ensure_ascii=False, indent=1)
                data_lines = "".join(f"data{sep}{line}{newline}" for line in pretty.split("\n"))
            else:
                data_lines = f"data{sep}{payload}{newline}"
            prefix = f"id{sep}{index}{newline}:heartbeat{newline}" if style == "comments" else ""
            yield ("bytes", f"{prefix}event{sep}{name}{newline}{data_lines}{newline}".encode("utf-8"))
        if style != "no_done":
            yield ("bytes", f"event{sep}done{newline}data{sep}[DONE]{newline}{newline}".encode())

    def send_stream(self, frames):
        head = ("HTTP/1.1 200 OK\r\nContent-Type: " + SSE_CONTENT_TYPE + "\r\nTransfer-Encoding: chunked\r\n"
                "Cache-Control: no-cache\r\n\r\n").encode()
        pending = [head]
        flush_every = max(1, int(STATE.knobs["flush_every"]))
        count = 0
        for kind, value in frames:
            if kind == "reset":
                self.wfile.write(b"".join(pending))
                self.reset_connection()
                return
            if kind == "stall":
                if not self.write_or_abort(b"".join(pending)):
                    return
                pending = []
                time.sleep(value / 1000)
                continue
            pending.append(b"%x\r\n%s\r\n" % (len(value), value))
            count += 1
            if count % flush_every == 0:
                if not self.write_or_abort(b"".join(pending)):
                    return
                pending = []
        pending.append(b"0\r\n\r\n")
        self.write_or_abort(b"".join(pending))

    def write_or_abort(self, data):
        """Writes a piece of a stream; a client that hung up is counted (tests check that
        cancelling a stream really closes its connection)."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            with STATE.lock:
                STATE.aborted_streams += 1
            self.close_connection = True
            return False

    def reset_connection(self):
        """Drop the connection with a TCP reset, as a crashed proxy would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def handle_control(self, method, command, text):
        body = json.loads(text) if text else {}
        with STATE.lock:
            if command == "reset":
                STATE.reset()
                result = {"ok": True}
            elif command == "requests" and method == "GET":
                result = {"requests": STATE.request_log}
            elif command == "stats":
                result = {"aborted_streams": STATE.aborted_streams, "requests": len(STATE.request_log)}
            elif command == "requests/clear":
                STATE.request_log = []
                result = {"ok": True}
            elif command == "fail":
                STATE.fail_rules.append(body)
                result = {"ok": True}
            elif command == "knobs":
                unknown = set(body) - set(STATE.knobs)
                if unknown:
                    result = {"error": f"unknown knobs {sorted(unknown)}"}
                else:
                    STATE.knobs.update(body)
                    result = {"ok": True, "knobs": STATE.knobs}
            else:
                result = {"error": f"unknown control {command}"}
        data = compact(result).encode()
        status = 400 if "error" in result else 200
        self.send_all(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data)


def main():
    parser = argparse.ArgumentParser(description="FAKE DashScope Assistant API server (tests only)")
    parser.add_argument("--api-key", action="append", help="a key the fake accepts (repeat for more; default sk-fake)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin closes (the parent went away)")
    args = parser.parse_args()
    Handler.api_keys = args.api_key or ["sk-fake"]
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    if args.exit_on_stdin_eof:
        threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever(poll_interval=0.05)  # a quick exit when stdin closes


if __name__ == "__main__":
    main()
