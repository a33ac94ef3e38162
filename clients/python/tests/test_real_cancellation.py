"""Against the real binary: closing streams cancels the request; runs.cancel stops the run."""

import gc
import json

import pytest

from assistd import AssistdTimeoutError, ConflictError, RequestCancelledError, object_text
import scripts

SLOW = scripts.script([scripts.text("one two three four", chunks=4, delay_ms=500)])


def start(client):
    assistant = client.assistants.create(model="qwen-max")
    thread = client.threads.create(messages=[{"role": "user", "content": "talk slowly"}])
    return assistant, thread


def test_stream_cancel_is_answered_cancelled_and_the_run_goes_on(make_client):
    client = make_client(SLOW)
    assistant, thread = start(client)
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    for event, _ in stream:
        if event == "thread.message.delta":
            break
    assert stream.cancel(timeout=30) is None, "the server answered -32800"
    assert client.runs.wait(stream.run_id, thread_id=thread.id).status == "completed", "the run itself went on"
    assert object_text(client.messages.list(thread.id).data[0]) == "one two three four"


def test_closing_or_dropping_a_stream_leaves_the_connection_usable(make_client):
    client = make_client(SLOW)
    assistant, thread = start(client)
    with client.runs.create(thread.id, assistant_id=assistant.id, stream=True) as stream:
        next(stream)
    run_id = stream.run_id
    client.runs.wait(run_id, thread_id=thread.id)
    client.messages.create(thread.id, content="again")
    for event, _ in client.runs.create(thread.id, assistant_id=assistant.id, stream=True):
        break  # the temporary stream is dropped here and cancels its request
    gc.collect()
    assert client.threads.retrieve(thread.id).id == thread.id


def _traced(trace_path, direction):
    records = [json.loads(line) for line in trace_path.read_text(encoding="utf-8").splitlines()]
    return [r["message"] for r in records if r["dir"] == direction and isinstance(r.get("message"), dict)]


@pytest.mark.parametrize("how", ["close", "break"])
def test_leaving_a_stream_sends_cancel_request_with_its_id(make_client, tmp_path, how):
    """What assistd received (its --trace): one $/cancelRequest naming the stream's request,
    and the request answered once (-32800, or the run if it had finished anyway)."""
    trace = tmp_path / "trace.jsonl"
    client = make_client(SLOW, extra_args=["--trace", str(trace)])
    assistant, thread = start(client)
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    if how == "close":
        next(stream)
        stream.close()
    else:
        for event, _ in stream:
            if event == "thread.message.delta":
                break
        del stream
        gc.collect()
    assert client.close() == 0
    received = _traced(trace, "in")
    request_id = [m["id"] for m in received if m.get("method") == "runs/create"][-1]
    cancels = [m["params"]["id"] for m in received if m.get("method") == "$/cancelRequest"]
    assert cancels == [request_id]
    answers = [m for m in _traced(trace, "out") if "method" not in m and m.get("id") == request_id]
    assert len(answers) == 1
    assert answers[0].get("error", {}).get("code") == -32800 or answers[0]["result"]["object"] == "thread.run"


def test_runs_cancel_unlocks_the_thread(make_client):
    client = make_client(SLOW)
    assistant, thread = start(client)
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
    next(stream)
    with pytest.raises(ConflictError) as busy:
        client.runs.create(thread.id, assistant_id=assistant.id)
    assert busy.value.active_run_id == stream.run_id
    stream.close()
    cancelling = client.runs.cancel(stream.run_id, thread_id=thread.id)
    assert cancelling.status in ("cancelling", "cancelled")
    assert client.runs.wait(stream.run_id, thread_id=thread.id).status == "cancelled"
    client.messages.create(thread.id, content="next question")
    assert client.runs.create(thread.id, assistant_id=assistant.id).thread_id == thread.id


def test_a_request_timeout_cancels_the_request(make_client):
    client = make_client(SLOW)
    assistant, thread = start(client)
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    with pytest.raises(AssistdTimeoutError):
        client.request("runs/wait", {"thread_id": thread.id, "run_id": run.id}, timeout=0.1)
    assert client.runs.wait(run.id, thread_id=thread.id).status == "completed"


def test_cancel_request_for_a_plain_call_is_answered(make_client):
    client = make_client(SLOW)
    assistant, thread = start(client)
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    connection = client._connection
    call = connection.start("runs/wait", {"thread_id": thread.id, "run_id": run.id})
    connection.cancel(call, forget=False)
    try:
        outcome = connection.wait(call, 30)
    except RequestCancelledError as cancelled:
        assert cancelled.code == -32800
    else:
        assert outcome.status == "completed", "a request that finished anyway is answered with its result"
