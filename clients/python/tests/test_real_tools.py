"""Against the real binary: handle_tools=True runs the whole tool loop in this process."""

import json
import threading

from assistd import object_text
import scripts


def big_add_client(make_client, script=scripts.BIG_ADD):
    client = make_client(script)
    calls = []

    @client.tool
    def big_add(left: int, right: int) -> int:
        """Add to number

        Args:
            left: The left operator
            right: The right operator.
        """
        calls.append((left, right, threading.current_thread().name))
        return left + right

    assistant = client.assistants.create(model="qwen-max", name="smart helper", tools=[big_add])
    return client, assistant, calls


def test_streamed_run_with_handle_tools_goes_to_the_end(make_client):
    client, assistant, calls = big_add_client(make_client)
    thread = client.threads.create(messages=[{"role": "user", "content": "Add 1 and 2."}])
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True)
    events = [event for event, _ in stream]
    assert calls and calls[0][:2] == (1, 2)
    assert not calls[0][2].startswith("assistd-reader"), "tools run off the reader thread"
    assert "thread.run.requires_action" in events and events[-1] == "thread.run.completed"
    assert stream.run.status == "completed"
    assert object_text(client.messages.list(thread.id).data[0]) == "The sum is 3."
    steps = client.steps.list(stream.run_id, thread_id=thread.id, order="asc").data
    tool_call = [s for s in steps if s.type == "tool_calls"][0].step_details.tool_calls[0]
    assert tool_call.function.name == "big_add" and tool_call.function.output == "3"


def test_non_streamed_run_with_handle_tools(make_client):
    client, assistant, calls = big_add_client(make_client)
    thread = client.threads.create(messages=[{"role": "user", "content": "Add 1 and 2."}])
    run = client.runs.create(thread.id, assistant_id=assistant.id, handle_tools=True)
    finished = client.runs.wait(run.id, thread_id=thread.id)
    assert finished.status == "completed" and len(calls) == 1
    assert object_text(client.messages.list(thread.id).data[0]) == "The sum is 3."


def test_a_failing_tool_becomes_an_output_and_the_run_goes_on(make_client):
    client = make_client(scripts.script([scripts.tool_calls(("explode", {"color": "red"}))],
                                        [scripts.after_tool(scripts.text("Tool said: {{last_tool_output}}"))]))

    @client.tool
    def explode(color: str) -> str:
        raise ValueError("no %s paint left" % color)

    assistant = client.assistants.create(model="qwen-max", tools=[explode])
    thread = client.threads.create(messages=[{"role": "user", "content": "go"}])
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True)
    stream.until_done()
    assert stream.run.status == "completed"
    reply = object_text(client.messages.list(thread.id).data[0])
    assert "no red paint left" in reply and "explode" in reply


def test_an_unregistered_tool_is_reported_back_as_such(make_client):
    client = make_client(scripts.script([scripts.tool_calls(("nowhere", {}))],
                                        [scripts.after_tool(scripts.text("Tool said: {{last_tool_output}}"))]))
    tool = {"type": "function", "function": {"name": "nowhere", "parameters": {"type": "object", "properties": {}}}}
    assistant = client.assistants.create(model="qwen-max", tools=[tool])
    thread = client.threads.create(messages=[{"role": "user", "content": "go"}])
    run = client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True).until_done()
    assert run.status == "completed"
    assert "nowhere" in object_text(client.messages.list(thread.id).data[0])


def test_one_rounds_tool_calls_run_concurrently(make_client):
    client = make_client(scripts.script(
        [scripts.tool_calls(("first", {"n": 1}), ("second", {"n": 2}))],
        [scripts.after_tool(scripts.text("both: {{last_tool_output}}"))]))
    second_running = threading.Event()

    @client.tool
    def first(n: int) -> dict:
        assert second_running.wait(30), "second never ran while first was running"
        return {"first": n}

    @client.tool
    def second(n: int) -> dict:
        second_running.set()
        return {"second": n}

    assistant = client.assistants.create(model="qwen-max", tools=[first, second])
    thread = client.threads.create(messages=[{"role": "user", "content": "go"}])
    run = client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True).until_done()
    assert run.status == "completed"
    tool_calls = [s for s in client.steps.list(run.id, thread_id=thread.id).data if s.type == "tool_calls"][0].step_details.tool_calls
    assert sorted(json.loads(c.function.output).popitem() for c in tool_calls) == [("first", 1), ("second", 2)]
