#!/usr/bin/env python3
"""Runs the official DashScope Python SDK's quick-start flows against the FAKE DashScope server
and asserts that every call succeeds with the documented shapes. A client nobody here wrote
thereby proves the fake faithful. With --record FILE it also writes, per flow, the request
log the fake saw (method, path, query, headers, body), which the Swift tests compare with what
DashScopeBackend sends for the same flow.

Usage: sdk_quickstart_check.py --port PORT --api-key KEY [--workspace WS] [--record FILE]
Exit status 0 and a last line "SDK FLOWS OK: N flows" on success.
"""

import argparse
import json
import sys
import urllib.request
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

try:
    import dashscope
    from dashscope import Assistants, Messages, Runs, Steps, Threads
    from dashscope.assistants.files import Files as AssistantFiles
    from dashscope.threads.messages.files import Files as MessageFiles
except ImportError as error:  # the test reads this line
    print(f"SDK NOT INSTALLED: {error} (pip install dashscope==2.0.2)", flush=True)
    sys.exit(3)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "The city"}},
            "required": ["location"],
        },
    },
}


class Fake:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def control(self, command, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(f"{self.base}/__control__/{command}", data=data if body is not None or command != "requests" else None)
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())


def ok(obj, what):
    assert getattr(obj, "status_code", None) == 200, f"{what}: expected status 200, got {obj}"
    return obj


def flow_assistants(ws):
    created = ok(Assistants.create(model="qwen-max", name="helper", description="a helper",
                                   instructions="You are helpful.", tools=[WEATHER_TOOL], workspace=ws), "create assistant")
    assert created.id.startswith("asst_") and created.model == "qwen-max" and created.name == "helper"
    got = ok(Assistants.retrieve(created.id, workspace=ws), "retrieve assistant")
    assert got.id == created.id and got.tools[0].function.name == "get_current_weather"
    second = ok(Assistants.create(model="qwen-plus", workspace=ws), "create second assistant")
    listed = ok(Assistants.list(limit=10, order="asc", workspace=ws), "list assistants")
    assert [a.id for a in listed.data] == [created.id, second.id], listed
    after = ok(Assistants.list(after=created.id, order="asc", workspace=ws), "list after")
    assert [a.id for a in after.data] == [second.id]
    updated = ok(Assistants.update(created.id, name="renamed", instructions="Be brief.", workspace=ws), "update assistant")
    assert updated.name == "renamed" and updated.instructions == "Be brief."
    file = ok(AssistantFiles.create(created.id, file_id="file-abc", workspace=ws), "create assistant file")
    assert file.id == "file-abc" and file.assistant_id == created.id
    files = ok(AssistantFiles.list(created.id, workspace=ws), "list assistant files")
    assert [f.id for f in files.data] == ["file-abc"]
    ok(AssistantFiles.retrieve("file-abc", assistant_id=created.id, workspace=ws), "retrieve assistant file")
    ok(AssistantFiles.delete("file-abc", assistant_id=created.id, workspace=ws), "delete assistant file")
    deleted = ok(Assistants.delete(created.id, workspace=ws), "delete assistant")
    assert deleted.deleted is True
    missing = Assistants.retrieve(created.id, workspace=ws)
    assert missing.status_code == 404, f"retrieve after delete: expected 404, got {missing}"


def flow_threads_messages(ws):
    empty = ok(Threads.create(workspace=ws), "create empty thread")
    assert empty.id.startswith("thread_")
    thread = ok(Threads.create(messages=[{"role": "user", "content": "Hello"}], metadata={"topic": "greeting"}, workspace=ws), "create thread")
    got = ok(Threads.retrieve(thread.id, workspace=ws), "retrieve thread")
    assert got.metadata == {"topic": "greeting"}
    updated = ok(Threads.update(thread.id, metadata={"topic": "changed"}, workspace=ws), "update thread")
    assert updated.metadata == {"topic": "changed"}
    message = ok(Messages.create(thread.id, content="How does AI work?", file_ids=["file-1"], metadata={"k": "v"}, workspace=ws), "create message")
    assert message.id.startswith("message_") and message.content[0].text.value == "How does AI work?"
    listed = ok(Messages.list(thread.id, limit=5, order="asc", workspace=ws), "list messages")
    assert [m.content[0].text.value for m in listed.data] == ["Hello", "How does AI work?"]
    ok(Messages.retrieve(message.id, thread_id=thread.id, workspace=ws), "retrieve message")
    changed = ok(Messages.update(message.id, thread_id=thread.id, metadata={"k": "w"}, workspace=ws), "update message")
    assert changed.metadata == {"k": "w"}
    files = ok(MessageFiles.list(message.id, thread_id=thread.id, workspace=ws), "list message files")
    assert [f.id for f in files.data] == ["file-1"]
    ok(MessageFiles.retrieve("file-1", thread_id=thread.id, message_id=message.id, workspace=ws), "retrieve message file")
    deleted = ok(Threads.delete(thread.id, workspace=ws), "delete thread")
    assert deleted.deleted is True


def flow_run_poll(ws):
    assistant = ok(Assistants.create(model="qwen-max", instructions="You are helpful.", workspace=ws), "create assistant")
    thread = ok(Threads.create(workspace=ws), "create thread")
    ok(Messages.create(thread.id, content="Tell me a joke", workspace=ws), "create message")
    run = ok(Runs.create(thread.id, assistant_id=assistant.id, metadata={"try": "1"}, workspace=ws), "create run")
    assert run.status == "in_progress", run.status
    run = ok(Runs.wait(run.id, thread_id=thread.id, workspace=ws), "wait run")
    assert run.status == "completed", run.status
    messages = ok(Messages.list(thread.id, workspace=ws), "list messages")
    assert messages.data[0].role == "assistant" and messages.data[0].content[0].text.value == "You said: Tell me a joke"
    steps = ok(Steps.list(run.id, thread_id=thread.id, workspace=ws), "list steps")
    assert steps.data[0].type == "message_creation"
    ok(Steps.retrieve(steps.data[0].id, thread_id=thread.id, run_id=run.id, workspace=ws), "retrieve step")
    runs = ok(Runs.list(thread.id, limit=1, workspace=ws), "list runs")
    assert runs.data[0].id == run.id
    updated = ok(Runs.update(run.id, thread_id=thread.id, metadata={"try": "2"}, workspace=ws), "update run")
    assert updated.metadata == {"try": "2"}


def flow_function_call(ws):
    assistant = ok(Assistants.create(model="qwen-max", tools=[WEATHER_TOOL], workspace=ws), "create assistant")
    thread = ok(Threads.create(workspace=ws), "create thread")
    ok(Messages.create(thread.id, content="Use get_current_weather for Hangzhou", workspace=ws), "create message")
    run = ok(Runs.create(thread.id, assistant_id=assistant.id, workspace=ws), "create run")
    run = ok(Runs.wait(run.id, thread_id=thread.id, workspace=ws), "wait run")
    assert run.status == "requires_action", run.status
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    assert call.function.name == "get_current_weather"
    assert json.loads(call.function.arguments) == {"location": "Use get_current_weather for Hangzhou"}
    submitted = ok(Runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "sunny, 24C"}], workspace=ws), "submit")
    assert submitted.status == "in_progress"
    run = ok(Runs.wait(run.id, thread_id=thread.id, workspace=ws), "wait run")
    assert run.status == "completed", run.status
    messages = ok(Messages.list(thread.id, workspace=ws), "list messages")
    assert messages.data[0].content[0].text.value == "get_current_weather returned: sunny, 24C"


def flow_stream(ws):
    assistant = ok(Assistants.create(model="qwen-max", tools=[WEATHER_TOOL], workspace=ws), "create assistant")
    thread = ok(Threads.create(workspace=ws), "create thread")
    ok(Messages.create(thread.id, content="Say hello", workspace=ws), "create message")
    events = list(Runs.create(thread.id, assistant_id=assistant.id, stream=True, workspace=ws))
    names = [name for name, _ in events]
    assert names[:3] == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"], names
    assert names[-1] == "thread.run.completed" and "done" not in names, names
    text = "".join(item.delta.content.text.value for name, item in events if name == "thread.message.delta")
    assert text == "You said: Say hello", text
    ok(Messages.create(thread.id, content="get_current_weather in Beijing?", workspace=ws), "create message")
    events = list(Runs.create(thread.id, assistant_id=assistant.id, stream=True, workspace=ws))
    names = [name for name, _ in events]
    assert names[-1] == "thread.run.requires_action", names
    run = events[-1][1]
    submitted = list(Runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "", "output": "rain"}], stream=True, workspace=ws))
    names = [name for name, _ in submitted]
    assert names[0] == "thread.run.step.completed" and names[-1] == "thread.run.completed", names
    text = "".join(item.delta.content.text.value for name, item in submitted if name == "thread.message.delta")
    assert text == "get_current_weather returned: rain", text


def flow_create_thread_and_run(ws):
    assistant = ok(Assistants.create(model="qwen-max", workspace=ws), "create assistant")
    run = ok(Runs.create_thread_and_run(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]}, workspace=ws), "create thread and run")
    assert run.status == "in_progress" and run.thread_id.startswith("thread_")
    run = ok(Runs.wait(run.id, thread_id=run.thread_id, workspace=ws), "wait")
    assert run.status == "completed"
    events = list(Runs.create_thread_and_run(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hey"}]}, stream=True, workspace=ws))
    names = [name for name, _ in events]
    assert names[0] == "thread.created" and names[-1] == "thread.run.completed", names


def flow_cancel(ws):
    assistant = ok(Assistants.create(model="qwen-max", workspace=ws), "create assistant")
    thread = ok(Threads.create(workspace=ws), "create thread")
    ok(Messages.create(thread.id, content="Hi", workspace=ws), "create message")
    run = ok(Runs.create(thread.id, assistant_id=assistant.id, workspace=ws), "create run")
    refused = Runs.cancel(run.id, thread_id=thread.id, workspace=ws)
    assert refused.status_code == 404, f"cancel: the service has no cancel endpoint, expected 404, got {refused}"


FLOWS = [
    ("assistants", flow_assistants),
    ("threads_messages", flow_threads_messages),
    ("run_poll", flow_run_poll),
    ("function_call", flow_function_call),
    ("stream", flow_stream),
    ("create_thread_and_run", flow_create_thread_and_run),
    ("cancel", flow_cancel),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--workspace", default="ws-test")
    parser.add_argument("--record")
    parser.add_argument("--only", help="run only this flow")
    args = parser.parse_args()
    dashscope.base_http_api_url = f"http://127.0.0.1:{args.port}/api/v1"
    dashscope.api_key = args.api_key
    fake = Fake(args.port)
    record = {}
    count = 0
    for name, flow in FLOWS:
        if args.only and name != args.only:
            continue
        fake.control("reset", {})
        try:
            flow(args.workspace)
        except AssertionError as error:
            print(f"FLOW FAILED: {name}: {error}", flush=True)
            return 1
        record[name] = fake.control("requests")["requests"]
        print(f"flow ok: {name} ({len(record[name])} requests)", flush=True)
        count += 1
    if args.record:
        with open(args.record, "w") as out:
            json.dump(record, out, indent=1, ensure_ascii=False)
    print(f"SDK FLOWS OK: {count} flows", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
