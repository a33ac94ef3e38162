"""Against the real binary: runs/*, steps/*, streaming, the manual function-call flow."""

import json

import pytest

from assistd import ListResult, Run, RunStep, RunStream, object_text
import scripts

PLAIN_REPLY_EVENTS = [
    "thread.run.created", "thread.run.queued", "thread.run.in_progress",
    "thread.run.step.created", "thread.run.step.in_progress",
    "thread.message.created", "thread.message.in_progress",
    "thread.message.delta",
    "thread.message.completed", "thread.run.step.completed", "thread.run.completed",
]

BIG_ADD_TOOL = {"type": "function", "function": {
    "name": "big_add", "description": "Add to number",
    "parameters": {"type": "object", "properties": {
        "left": {"type": "integer", "description": "The left operator"},
        "right": {"type": "integer", "description": "The right operator."}}, "required": ["left", "right"]}}}


def collapse(events):
    """Runs of the same event as one entry (the number of deltas is up to the model)."""
    out = []
    for event in events:
        if not out or out[-1] != event:
            out.append(event)
    return out


def setup(client, content="Say hello"):
    assistant = client.assistants.create(model="qwen-max", name="helper", instructions="Be kind.")
    thread = client.threads.create()
    client.messages.create(thread.id, content=content)
    return assistant, thread


def test_create_wait_and_read_the_reply(client):
    assistant, thread = setup(client)
    run = client.runs.create(thread.id, assistant_id=assistant.id, metadata={"try": "1"})
    assert isinstance(run, Run) and run.id.startswith("run_") and run.thread_id == thread.id
    assert run.status in ("queued", "in_progress", "completed")
    done = client.runs.wait(run.id, thread_id=thread.id)
    assert done.status == "completed" and done.usage["total_tokens"] > 0
    reply = client.messages.list(thread.id).data[0]
    assert reply.role == "assistant" and object_text(reply) == "Hello there, 布偶猫 🐈!"
    assert [m.id for m in client.messages.list(thread.id, run_id=run.id).data] == [reply.id]


def test_list_retrieve_update_runs_and_steps(client):
    assistant, thread = setup(client)
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    client.runs.wait(run.id, thread_id=thread.id)
    runs = client.runs.list(thread.id, order="desc", limit=5)
    assert isinstance(runs, ListResult) and [r.id for r in runs.data] == [run.id]
    assert client.runs.retrieve(run.id, thread_id=thread.id).status == "completed"
    assert client.runs.update(run.id, thread_id=thread.id, metadata={"tag": "猫"}).metadata == {"tag": "猫"}

    steps = client.steps.list(run.id, thread_id=thread.id)
    assert [s.type for s in steps.data] == ["message_creation"]
    step = client.steps.retrieve(steps.data[0].id, thread_id=thread.id, run_id=run.id)
    assert isinstance(step, RunStep) and step.status == "completed" and step.run_id == run.id
    reply = client.messages.list(thread.id).data[0]
    assert step.step_details["message_creation"]["message_id"] == reply.id


def test_streaming_yields_the_documented_events_in_order(client):
    assistant, thread = setup(client)
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    assert isinstance(stream, RunStream)
    pairs = list(stream)
    events = [event for event, _ in pairs]
    assert "done" not in events, "done is swallowed, as the SDK does"
    assert collapse(events) == PLAIN_REPLY_EVENTS
    text = "".join(object_text(data) for event, data in pairs if event == "thread.message.delta")
    assert text == "Hello there, 布偶猫 🐈!"
    assert events.count("thread.message.delta") >= 3
    completed = dict(pairs)["thread.message.completed"]
    assert object_text(completed) == text
    assert stream.run.status == "completed" and stream.run.id == stream.run_id
    assert stream.thread_id == thread.id


def test_create_thread_and_run_streams_thread_created_first(client):
    assistant = client.assistants.create(model="qwen-max")
    stream = client.runs.create_thread_and_run(
        assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]}, stream=True)
    events = [event for event, _ in stream]
    assert events[0] == "thread.created" and collapse(events[1:]) == PLAIN_REPLY_EVENTS
    run = stream.run
    assert run.status == "completed" and object_text(client.messages.list(run.thread_id).data[0]) == "Hello there, 布偶猫 🐈!"
    plain = client.threads.create_and_run(assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": "Hi"}]})
    assert client.runs.wait(plain.id, thread_id=plain.thread_id).status == "completed"


def test_manual_function_call_flow_of_the_seed(make_client):
    client = make_client(scripts.BIG_ADD)
    assistant = client.assistants.create(model="qwen-max", name="smart helper", tools=[BIG_ADD_TOOL],
                                         instructions="Use tools wherever possible.")
    thread = client.threads.create(messages=[{"role": "user", "content": "Add 1 and 2 with big_add."}])
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    paused = client.runs.wait(run.id, thread_id=thread.id)
    assert paused.status == "requires_action"
    calls = paused.required_action.submit_tool_outputs.tool_calls
    assert [c.function.name for c in calls] == ["big_add"]
    arguments = json.loads(calls[0].function.arguments)
    outputs = [{"tool_call_id": calls[0].id, "output": str(arguments["left"] + arguments["right"])}]
    client.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=outputs)
    finished = client.runs.wait(run.id, thread_id=thread.id)
    assert finished.status == "completed"
    assert object_text(client.messages.list(thread.id).data[0]) == "The sum is 3."
    tool_step = [s for s in client.steps.list(run.id, thread_id=thread.id, order="asc").data if s.type == "tool_calls"][0]
    assert tool_step.step_details.tool_calls[0].function.output == "3"


def test_streamed_function_call_then_streamed_submit(make_client):
    client = make_client(scripts.BIG_ADD)
    assistant = client.assistants.create(model="qwen-max", tools=[BIG_ADD_TOOL])
    thread = client.threads.create(messages=[{"role": "user", "content": "1+2?"}])
    first = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    events = [event for event, _ in first]
    assert events[-1] == "thread.run.requires_action"
    run = first.run
    assert run.status == "requires_action"
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    second = client.runs.submit_tool_outputs(
        run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "3"}], stream=True)
    rest = [event for event, _ in second]
    assert rest[0] == "thread.run.step.completed" and rest[-1] == "thread.run.completed"
    assert second.run.status == "completed"


def test_wait_with_a_timeout_returns_the_run_as_it_stands(make_client):
    client = make_client(scripts.script([scripts.text("slow", delay_ms=60000)]))
    assistant, thread = setup(client)
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    current = client.runs.wait(run.id, thread_id=thread.id, timeout_seconds=0.2)
    assert current.status in ("queued", "in_progress")
    cancelled = client.runs.cancel(run.id, thread_id=thread.id)
    assert cancelled.status in ("cancelling", "cancelled")
    assert client.runs.wait(run.id, thread_id=thread.id).status == "cancelled"
    again = client.runs.cancel(run.id, thread_id=thread.id)
    assert again.status == "cancelled", "cancel is idempotent on a finished run"


def test_runs_stream_replays_a_finished_run_and_resumes_after_seq(client):
    assistant, thread = setup(client)
    original = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    events = [event for event, _ in original]
    run = original.run
    replay = client.runs.stream(thread.id, run.id)
    assert [event for event, _ in replay] == events and replay.run.status == "completed"
    tail = client.runs.stream(thread.id, run.id, after_seq=len(events) - 3)
    assert [event for event, _ in tail] == events[-2:]
