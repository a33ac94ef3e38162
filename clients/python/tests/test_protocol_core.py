"""ProtocolCore on its own: bytes in, decisions out, no pipes, threads or event loop."""

import json

import pytest

from assistd import ConnectionClosedError, NotFoundError, ProtocolError
from assistd._core import ProtocolCore
from fake_peer import lsp_frame


def body(message):
    return lsp_frame(message).split(b"\r\n\r\n", 1)[1]


def sent(data):
    header, _, payload = data.partition(b"\r\n\r\n")
    assert header == b"Content-Length: %d" % len(payload)
    return json.loads(payload)


def start(core, method="runs/create", streaming=True):
    request_id, data = core.encode_request(method, {"stream": True} if streaming else {})
    assert sent(data) == {"jsonrpc": "2.0", "id": request_id, "method": method,
                          "params": {"stream": True} if streaming else {}}
    return core.register(request_id, method, streaming, inbox=None)


def test_responses_and_events_go_to_their_call_in_order():
    core = ProtocolCore()
    first, second = start(core), start(core, "threads/retrieve", streaming=False)
    assert (first.id, second.id) == (1, 2)
    event = core.receive(body({"jsonrpc": "2.0", "method": "runs/event",
                               "params": {"request": 1, "seq": 0, "event": "thread.run.created", "data": {"id": "run_1"}}}))
    assert event.delivery == (first, ("event", "thread.run.created", {"id": "run_1"})) and event.send is None
    error = core.receive(body({"jsonrpc": "2.0", "id": 2, "error": {"code": -32010, "message": "no such thread"}}))
    call, (kind, exception) = error.delivery
    assert call is second and kind == "error" and isinstance(exception, NotFoundError)
    assert exception.method == "threads/retrieve"
    assert list(core.calls) == [1]
    assert core.receive(body({"jsonrpc": "2.0", "id": 2, "result": {}})).delivery is None, "answered already"


def test_a_seq_gap_fails_the_stream_and_cancels_its_request():
    core = ProtocolCore()
    call = start(core)
    routed = core.receive(body({"jsonrpc": "2.0", "method": "runs/event",
                                "params": {"request": call.id, "seq": 1, "event": "thread.run.created"}}))
    assert sent(routed.send) == {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": call.id}}
    assert routed.delivery[0] is call and isinstance(routed.delivery[1][1], ProtocolError)
    assert call.id not in core.calls


def test_server_requests_get_their_handler_or_method_not_found():
    core = ProtocolCore()
    handler = object()
    core.set_request_handler("tools/call", handler)
    routed = core.receive(body({"jsonrpc": "2.0", "id": "s1", "method": "tools/call", "params": {"x": 1}}))
    assert routed.handler is handler and routed.request.params == {"x": 1} and routed.send is None
    unknown = core.receive(body({"jsonrpc": "2.0", "id": "s2", "method": "window/showMessageRequest"}))
    assert sent(unknown.send)["error"]["code"] == -32601 and unknown.handler is None


def test_cancel_and_closing():
    core = ProtocolCore()
    kept, forgotten = start(core), start(core)
    in_flight, data = core.cancel(kept, forget=False)
    assert in_flight and sent(data)["params"] == {"id": kept.id} and kept.id in core.calls
    assert core.cancel(forgotten, forget=True)[0] and forgotten.id not in core.calls
    assert core.cancel(forgotten, forget=True) == (False, None)
    failed = core.fail(ConnectionClosedError("assistd closed its output"))
    assert [(call, item[0]) for call, item in failed] == [(kept, "error")]
    assert failed[0][1][1].method == "runs/create" and not core.calls
    assert core.cancel(kept, forget=False) == (False, None)
    with pytest.raises(ConnectionClosedError):
        start(core)


def test_nothing_is_sent_once_the_output_is_closing():
    core = ProtocolCore()
    call = start(core)
    assert core.close_output() and not core.close_output()
    assert core.cancel(call, forget=True) == (True, None)
    assert core.receive(body({"jsonrpc": "2.0", "id": "s1", "method": "unknown/method"})).send is None
    with pytest.raises(ConnectionClosedError, match="closing"):
        core.register(99, "threads/create", False, None)
