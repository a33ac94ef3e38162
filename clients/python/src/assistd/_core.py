"""The connection's rules without its I/O: request ids, the calls in flight, where each received
message goes, what to answer, and when the connection counts as closed.

Both transports (threads: ``_sync_connection``, asyncio: ``_async_connection``) drive one
``ProtocolCore``: they hand it the bodies of the frames they read, write the bytes it gives
back, put what it routes into the calls' inboxes and run the handlers it picks. Nothing here
reads, writes, waits or locks; the thread transport calls it under its own lock.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._errors import AssistdError, ConnectionClosedError, ProtocolError
from ._messages import (
    RUN_EVENT,
    Incoming,
    RequestId,
    StreamEvent,
    cancel_message,
    decode,
    logger,
    request_message,
    seq_gap_error,
    unknown_method_answer,
)

#: What a call's inbox receives: ("event", name, data) | ("result", value) | ("error", exception).
Item = Tuple[Any, ...]
#: A server->client request handler (a plain function for threads, a coroutine function for asyncio).
RequestHandler = Callable[[Any], Any]
NotificationHandler = Callable[[Any], Any]


class Call:
    """A request in flight: its events and its answer go, in order, to its ``inbox``.

    The inbox is the transport's queue (``queue.SimpleQueue`` or ``asyncio.Queue``).
    """

    __slots__ = ("id", "method", "streaming", "inbox", "next_seq", "__weakref__")

    def __init__(self, request_id: int, method: str, streaming: bool, inbox: Any) -> None:
        self.id = request_id
        self.method = method
        self.streaming = streaming
        self.inbox = inbox
        self.next_seq = 0


class Routed:
    """What the transport does with one received message; every part may be empty.

    ``send`` first (bytes to write), then ``delivery`` (put the item into the call's inbox),
    then run ``handler(request.params)`` off the reader and answer it, or each of
    ``notification_handlers`` with ``params``.
    """

    __slots__ = ("send", "delivery", "request", "handler", "notification_handlers", "params")

    def __init__(self, *, send: Optional[bytes] = None, delivery: Optional[Tuple[Call, Item]] = None,
                 request: Optional[Incoming] = None, handler: Optional[RequestHandler] = None,
                 notification_handlers: Tuple[NotificationHandler, ...] = (), params: Any = None) -> None:
        self.send = send
        self.delivery = delivery
        self.request = request
        self.handler = handler
        self.notification_handlers = notification_handlers
        self.params = params


NOTHING = Routed()


class ProtocolCore:
    def __init__(self) -> None:
        self.calls: Dict[RequestId, Call] = {}
        self._ids = itertools.count(1)
        self.close_error: Optional[AssistdError] = None
        self.output_closed = False
        self._request_handlers: Dict[str, RequestHandler] = {}
        self._notification_handlers: Dict[str, List[NotificationHandler]] = {}

    @property
    def closed(self) -> bool:
        return self.close_error is not None

    @property
    def can_send(self) -> bool:
        return self.close_error is None and not self.output_closed

    def check_open(self, method: str) -> None:
        if self.close_error is not None:
            raise error_for(method, self.close_error)
        if self.output_closed:
            raise ConnectionClosedError("%s: the connection to assistd is closing" % method)

    def set_request_handler(self, method: str, handler: Optional[RequestHandler]) -> None:
        if handler is None:
            self._request_handlers.pop(method, None)
        else:
            self._request_handlers[method] = handler

    def add_notification_handler(self, method: str, handler: NotificationHandler) -> None:
        self._notification_handlers.setdefault(method, []).append(handler)

    # --- sending ---

    def encode_request(self, method: str, params: Any) -> Tuple[int, bytes]:
        """A fresh id and the request's bytes; params that are not JSON raise here, before anything is sent."""
        request_id = next(self._ids)
        return request_id, request_message(request_id, method, params)

    def register(self, request_id: int, method: str, streaming: bool, inbox: Any, first_seq: int = 0) -> Call:
        """Track a request the transport is about to write; its first ``runs/event`` carries ``first_seq``."""
        self.check_open(method)
        call = Call(request_id, method, streaming, inbox)
        call.next_seq = first_seq
        self.calls[request_id] = call
        return call

    def cancel(self, call: Call, forget: bool) -> Tuple[bool, Optional[bytes]]:
        """Whether the call is still in flight, and the ``$/cancelRequest`` to write for it (if any).

        ``forget`` drops the call at once (its late events and answer are ignored); otherwise
        the answer (the result, or error -32800) still goes to its inbox.
        """
        if call.id not in self.calls:
            return False, None
        if forget:
            del self.calls[call.id]
        return True, self._cancel_message(call.id)

    def _cancel_message(self, request_id: RequestId) -> Optional[bytes]:
        return cancel_message(request_id) if self.can_send else None

    def close_output(self) -> bool:
        """Note that the transport closes its output; True the first time."""
        if self.output_closed:
            return False
        self.output_closed = True
        return True

    def fail(self, error: AssistdError) -> List[Tuple[Call, Item]]:
        """Mark the connection closed; every call in flight is failed with ``error`` (the deliveries)."""
        if self.close_error is None:
            self.close_error = error
        calls = list(self.calls.values())
        self.calls.clear()
        return [(call, ("error", error_for(call.method, error))) for call in calls]

    # --- receiving ---

    def receive(self, body: bytes) -> Routed:
        incoming = decode(body)
        if incoming is None:
            return NOTHING
        if incoming.kind == Incoming.RESPONSE:
            call = self._pop(incoming.id)
            if call is None:
                return NOTHING  # the answer to a call given up on (cancelled or timed out)
            ok, value = incoming.response_outcome(call.method)
            return Routed(delivery=(call, ("result", value) if ok else ("error", value)))
        if incoming.kind == Incoming.NOTIFICATION:
            if incoming.method == RUN_EVENT:
                return self._run_event(incoming.params)
            handlers = tuple(self._notification_handlers.get(incoming.method or "", ()))
            return Routed(notification_handlers=handlers, params=incoming.params)
        handler = self._request_handlers.get(incoming.method or "")
        if handler is None:
            answer = unknown_method_answer(incoming.id, incoming.method or "")  # type: ignore[arg-type]
            return Routed(send=answer if self.can_send else None)
        return Routed(request=incoming, handler=handler)

    def _pop(self, request_id: Any) -> Optional[Call]:
        return self.calls.pop(request_id, None) if isinstance(request_id, (int, str)) else None

    def _run_event(self, params: Any) -> Routed:
        try:
            event = StreamEvent.from_params(params)
        except ProtocolError as bad:
            call = self._pop(params.get("request") if isinstance(params, dict) else None)
            if call is None:
                logger.warning("%s", bad)
                return NOTHING
            return Routed(send=self._cancel_message(call.id), delivery=(call, ("error", bad)))
        call = self.calls.get(event.request) if isinstance(event.request, (int, str)) else None
        if call is None:
            return NOTHING  # a stream given up on: its remaining events are dropped
        if event.seq != call.next_seq:
            del self.calls[call.id]
            gap = seq_gap_error(call.id, call.next_seq, event.seq)
            return Routed(send=self._cancel_message(call.id), delivery=(call, ("error", gap)))
        call.next_seq += 1
        return Routed(delivery=(call, ("event", event.event, event.data)))


def error_for(method: str, error: AssistdError) -> AssistdError:
    """The closing error as one call sees it (a copy naming its method)."""
    if isinstance(error, ConnectionClosedError):
        copy = ConnectionClosedError(error.message, error.returncode, error.stderr_tail)
        copy.method = method
        return copy
    return error
