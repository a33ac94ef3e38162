"""The thread-based connection against FakeAssistdPeer (a test double of assistd's pipes).

These check routing, concurrency, cancellation, errors and closing at the wire level; the same
behaviours are checked against the real binary in test_real_*.py.
"""

import gc
import json
import threading

import pytest

from assistd import (
    AssistdTimeoutError,
    ConflictError,
    ConnectionClosedError,
    InvalidParamsError,
    NotFoundError,
    ProtocolError,
    RequestCancelledError,
    RunStream,
    ServerError,
)
from assistd._tool_host import ToolHost
from assistd._sync_connection import Connection
from fake_peer import FakeAssistdPeer, lsp_frame

RUN = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "completed"}


@pytest.fixture
def peer():
    fake = FakeAssistdPeer()
    yield fake
    fake.close()


@pytest.fixture
def conn(peer):
    connection = Connection(peer.client_reader, peer.client_writer)
    yield connection
    try:
        peer.close_output()
    except (OSError, ValueError):
        pass
    connection.close_output()
    connection.join(10)


def test_non_ascii_round_trip_counts_bytes(peer, conn):
    text = "布偶猫 🐈 を描いて — ñ"
    call = conn.start("messages/create", {"thread_id": "thread_1", "content": text})
    request = peer.expect()
    headers, body = peer.frames[-1]
    assert int(headers["content-length"]) == len(body) > len(body.decode("utf-8"))
    assert request["params"]["content"] == text and request["jsonrpc"] == "2.0"
    assert isinstance(request["id"], int)
    peer.respond(request, {"object": "thread.message", "content": [{"type": "text", "text": {"value": text + "👍"}}]})
    message = conn.wait(call, 10)
    assert message.content[0].text.value == text + "👍"


def test_a_frame_delivered_one_byte_at_a_time_is_decoded(peer, conn):
    call = conn.start("threads/retrieve", {"thread_id": "thread_1"})
    request = peer.expect()
    peer.send_raw(lsp_frame({"jsonrpc": "2.0", "id": request["id"], "result": {"object": "thread", "id": "thread_1", "note": "猫🎨"}}), chunk=1)
    assert conn.wait(call, 10).note == "猫🎨"


def test_many_threads_calling_at_once_each_get_their_own_answer(peer, conn):
    count = 16
    results = {}
    errors = []

    def worker(n):
        try:
            results[n] = conn.request("test/echo", {"n": n, "text": "猫" * n}, timeout=30)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    requests = [peer.expect() for _ in range(count)]
    assert len({r["id"] for r in requests}) == count, "ids are unique"
    for request in reversed(requests):  # answer out of order
        peer.respond(request, request["params"])
    for t in threads:
        t.join(30)
    assert not errors
    assert {n: (r.n, r.text) for n, r in results.items()} == {n: (n, "猫" * n) for n in range(count)}


def test_stream_events_are_routed_by_request_id_and_done_is_swallowed(peer, conn):
    first = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    second = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    r1, r2 = peer.expect(), peer.expect()
    peer.event(r1, 0, "thread.run.created", {"object": "thread.run", "id": "run_A", "thread_id": "thread_A"})
    peer.event(r2, 0, "thread.run.created", {"object": "thread.run", "id": "run_B", "thread_id": "thread_B"})
    peer.event(r1, 1, "thread.message.delta", {"object": "thread.message.delta", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "Hé"}}]}})
    peer.event(r2, 1, "thread.run.completed", {"object": "thread.run", "id": "run_B", "status": "completed"})
    peer.event(r1, 2, "thread.message.delta", {"object": "thread.message.delta", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "llo 猫"}}]}})
    peer.event(r2, 2, "done", "[DONE]")
    peer.respond(r2, dict(RUN, id="run_B"))
    peer.event(r1, 3, "done", "[DONE]")
    peer.respond(r1, dict(RUN, id="run_A"))

    assert [e for e, _ in second] == ["thread.run.created", "thread.run.completed"]
    assert second.run.id == "run_B" and second.finished
    assert first.run_id is None, "nothing read from the first stream yet"
    assert "".join(first.text_deltas()) == "Héllo 猫"
    assert first.run.id == "run_A" and first.thread_id == "thread_1"


def test_gap_in_seq_raises_and_cancels_the_request(peer, conn):
    stream = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    request = peer.expect()
    peer.event(request, 0, "thread.run.created", RUN)
    peer.event(request, 2, "thread.run.queued", RUN)
    assert next(stream)[0] == "thread.run.created"
    with pytest.raises(ProtocolError, match="seq 2 arrived where 1 was due"):
        next(stream)
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}


def test_closing_a_stream_sends_cancel_and_ignores_what_comes_after(peer, conn):
    with RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True)) as stream:
        request = peer.expect()
        peer.event(request, 0, "thread.run.created", RUN)
        assert next(stream)[0] == "thread.run.created"
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}
    peer.event(request, 1, "thread.run.cancelled", RUN)
    peer.respond_error(request, -32800, "cancelled")
    assert list(stream) == []
    # The connection still works.
    call = conn.start("threads/retrieve", {"thread_id": "t"})
    peer.respond(peer.expect(), {"object": "thread", "id": "t"})
    assert conn.wait(call, 10).id == "t"
    assert conn.in_flight() == 0


def test_breaking_out_of_a_for_loop_cancels_the_request(peer, conn):
    def consume_first_event():
        for event, _ in RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True)):
            return event
        return None

    thread = threading.Thread(target=lambda: result.append(consume_first_event()))
    result = []
    thread.start()
    request = peer.expect()
    peer.event(request, 0, "thread.run.created", RUN)
    thread.join(10)
    gc.collect()
    assert result == ["thread.run.created"]
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}


def test_an_abandoned_stream_cancels_its_request(peer, conn):
    stream = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    request = peer.expect()
    del stream
    gc.collect()
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}


@pytest.mark.parametrize("answer", ["cancelled", "finished"])
def test_stream_cancel_waits_for_the_servers_answer(peer, conn, answer):
    stream = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    request = peer.expect()
    peer.event(request, 0, "thread.run.created", RUN)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(stream.cancel(timeout=10)))
    thread.start()
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}
    if answer == "cancelled":
        peer.respond_error(request, -32800, "Request cancelled")
    else:
        peer.respond(request, RUN)
    thread.join(10)
    assert outcome == [None] if answer == "cancelled" else outcome[0].id == "run_1"
    assert stream.finished


@pytest.mark.parametrize("code,cls,data", [
    (-32010, NotFoundError, {"status_code": 404, "code": "NotFound", "id": "thread_x"}),
    (-32014, ConflictError, {"active_run_id": "run_9"}),
    (-32602, InvalidParamsError, {"param": "tools[0].function.name"}),
    (-32800, RequestCancelledError, None),
    (-32099, ServerError, None),
])
def test_error_answers_become_exceptions_with_code_and_data(peer, conn, code, cls, data):
    call = conn.start("threads/retrieve", {"thread_id": "thread_x"})
    peer.respond_error(peer.expect(), code, "it went wrong", data)
    with pytest.raises(cls) as raised:
        conn.wait(call, 10)
    error = raised.value
    assert (error.code, error.message, error.data, error.method) == (code, "it went wrong", data, "threads/retrieve")
    if cls is ConflictError:
        assert error.active_run_id == "run_9"
    if cls is InvalidParamsError:
        assert error.param == "tools[0].function.name"


def test_tool_calls_run_concurrently_off_the_reader_thread(peer, conn):
    host = ToolHost()
    second_started = threading.Event()

    @host.tool
    def slow(x: int) -> dict:
        assert second_started.wait(10), "the second tool call never ran alongside the first"
        return {"x": x, "who": "slow"}

    @host.tool
    def fast(x: int) -> str:
        second_started.set()
        return "fast %d" % x

    conn.set_request_handler("tools/call", host._run_tool_call)

    def tool_call(request_id, name, arguments):
        peer.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {
            "thread_id": "thread_1", "run_id": "run_1",
            "tool_call": {"id": "", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}}})

    tool_call("s1", "slow", {"x": 1})
    tool_call("s2", "fast", {"x": 2})
    answers = {m["id"]: m for m in (peer.expect(), peer.expect())}
    assert answers["s2"]["result"] == {"output": "fast 2"}
    assert json.loads(answers["s1"]["result"]["output"]) == {"x": 1, "who": "slow"}


def test_tool_failures_and_unknown_tools_are_answered_with_errors(peer, conn):
    host = ToolHost()

    @host.tool
    def explode() -> str:
        raise ValueError("no paint left")

    conn.set_request_handler("tools/call", host._run_tool_call)
    for request_id, name in (("s1", "explode"), ("s2", "missing")):
        peer.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {
            "thread_id": "t", "run_id": "r",
            "tool_call": {"id": "", "type": "function", "function": {"name": name, "arguments": "{}"}}}})
    answers = {m["id"]: m for m in (peer.expect(), peer.expect())}
    assert answers["s1"]["error"]["code"] == -32603
    assert "ValueError: no paint left" in answers["s1"]["error"]["message"]
    assert answers["s2"]["error"]["code"] == -32601
    assert "missing" in answers["s2"]["error"]["message"]


def test_unknown_server_requests_get_method_not_found(peer, conn):
    peer.send({"jsonrpc": "2.0", "id": "s7", "method": "window/showMessageRequest", "params": {}})
    answer = peer.expect()
    assert answer["id"] == "s7" and answer["error"]["code"] == -32601


def test_junk_frames_are_skipped_and_the_connection_goes_on(peer, conn):
    call = conn.start("threads/retrieve", {"thread_id": "t"})
    request = peer.expect()
    peer.send_raw(b"Content-Length: 9\r\n\r\nnot json!")
    peer.send([1, 2, 3])
    peer.respond(request, {"object": "thread", "id": "t"})
    assert conn.wait(call, 10).id == "t"


def test_peer_going_away_fails_pending_calls_and_streams(peer, conn):
    plain = conn.start("runs/wait", {"thread_id": "t", "run_id": "r"})
    stream = RunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
    peer.expect(), peer.expect()
    peer.close_output()
    with pytest.raises(ConnectionClosedError) as raised:
        conn.wait(plain, 10)
    assert raised.value.method == "runs/wait" and "closed its output" in str(raised.value)
    with pytest.raises(ConnectionClosedError):
        next(stream)
    with pytest.raises(ConnectionClosedError):
        conn.request("threads/create", {}, timeout=10)


def test_a_timeout_cancels_the_request(peer, conn):
    with pytest.raises(AssistdTimeoutError):
        conn.request("runs/wait", {"thread_id": "t", "run_id": "r"}, timeout=0.2)
    request = peer.expect()
    assert peer.expect_method("$/cancelRequest")["params"] == {"id": request["id"]}
    assert conn.in_flight() == 0


def test_params_that_are_not_json_raise_before_anything_is_sent(peer, conn):
    with pytest.raises(TypeError):
        conn.start("threads/create", {"metadata": {"x": object()}})
    assert conn.in_flight() == 0
