"""JSON-RPC 2.0 messages: encoding what the client sends, sorting what it receives."""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple, Union

from ._errors import INTERNAL_ERROR, METHOD_NOT_FOUND, AssistdError, ProtocolError, error_from_response
from ._framing import encode_message
from ._objects import parse_json
from ._tools import json_default

logger = logging.getLogger("assistd")

RequestId = Union[int, str]

#: The notification that carries a streaming request's events.
RUN_EVENT = "runs/event"
CANCEL_REQUEST = "$/cancelRequest"
#: The server->client request that runs a client-side function tool.
TOOLS_CALL = "tools/call"
#: The stream's last event; the SDK never yields it and neither does this client.
DONE_EVENT = "done"


def request_message(request_id: RequestId, method: str, params: Any = None) -> bytes:
    message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return encode_message(message, json_default)


def notification_message(method: str, params: Any = None) -> bytes:
    message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return encode_message(message, json_default)


def cancel_message(request_id: RequestId) -> bytes:
    return notification_message(CANCEL_REQUEST, {"id": request_id})


def result_message(request_id: RequestId, result: Any) -> bytes:
    return encode_message({"jsonrpc": "2.0", "id": request_id, "result": result}, json_default)


def error_message(request_id: RequestId, code: int, message: str, data: Any = None) -> bytes:
    error: Dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return encode_message({"jsonrpc": "2.0", "id": request_id, "error": error}, json_default)


def exception_answer(request_id: RequestId, exc: BaseException) -> bytes:
    """The error response for a server->client request whose handler raised."""
    if isinstance(exc, AssistdError) and exc.code is not None:
        return error_message(request_id, exc.code, exc.message, exc.data)
    text = str(exc)
    message = "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__
    return error_message(request_id, INTERNAL_ERROR, message, {"exception": type(exc).__name__})


def result_answer(request_id: RequestId, value: Any) -> bytes:
    """The response carrying a handler's return value; an error response if it is not JSON."""
    try:
        return result_message(request_id, value)
    except Exception as error:  # noqa: B902 - an unencodable result is the handler's failure
        return exception_answer(request_id, error)


def unknown_method_answer(request_id: RequestId, method: str) -> bytes:
    return error_message(request_id, METHOD_NOT_FOUND, "this client does not handle %r" % method, {"method": method})


class Incoming:
    """One decoded message from the server, sorted into what it is."""

    __slots__ = ("kind", "id", "method", "params", "result", "error")

    REQUEST = "request"
    NOTIFICATION = "notification"
    RESPONSE = "response"

    def __init__(self, kind: str, id: Optional[RequestId] = None, method: Optional[str] = None, params: Any = None,
                 result: Any = None, error: Any = None) -> None:
        self.kind = kind
        self.id = id
        self.method = method
        self.params = params
        self.result = result
        self.error = error

    def response_outcome(self, method: Optional[str]) -> Tuple[bool, Any]:
        """``(True, result)`` or ``(False, exception)`` for a response."""
        if self.error is not None:
            return False, error_from_response(self.error, method)
        return True, self.result


def decode(body: bytes) -> Optional[Incoming]:
    """Parse one frame body. Bodies that are not JSON-RPC messages are logged and give None."""
    try:
        message = parse_json(body)
    except ValueError as error:
        logger.warning("assistd sent a frame that is not JSON (%s): %r", error, body[:200])
        return None
    if not isinstance(message, dict):
        logger.warning("assistd sent a frame that is not a JSON-RPC object: %r", body[:200])
        return None
    method = message.get("method")
    if isinstance(method, str):
        if "id" in message:
            return Incoming(Incoming.REQUEST, message["id"], method, message.get("params"))
        return Incoming(Incoming.NOTIFICATION, None, method, message.get("params"))
    if "id" in message and ("result" in message or "error" in message):
        return Incoming(Incoming.RESPONSE, message["id"], None, None, message.get("result"), message.get("error"))
    logger.warning("assistd sent a message that is neither request, notification nor response: %r", body[:200])
    return None


class StreamEvent:
    """One ``runs/event`` notification, checked for shape."""

    __slots__ = ("request", "seq", "event", "data")

    def __init__(self, request: Any, seq: int, event: str, data: Any) -> None:
        self.request = request
        self.seq = seq
        self.event = event
        self.data = data

    @classmethod
    def from_params(cls, params: Any) -> "StreamEvent":
        if not isinstance(params, dict):
            raise ProtocolError("runs/event params must be an object, got %r" % (params,))
        seq = params.get("seq")
        event = params.get("event")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ProtocolError("runs/event without an integer seq: %r" % (params,))
        if not isinstance(event, str):
            raise ProtocolError("runs/event without an event name: %r" % (params,))
        return cls(params.get("request"), seq, event, params.get("data"))


def seq_gap_error(request_id: RequestId, expected: int, got: int) -> ProtocolError:
    return ProtocolError(
        "stream of request %r: event seq %d arrived where %d was due; events were lost or reordered"
        % (request_id, got, expected))
