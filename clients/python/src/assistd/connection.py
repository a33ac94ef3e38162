"""A JSON-RPC connection over two byte streams, for use from many threads.

One reader thread decodes frames and routes them: responses and ``runs/event`` notifications
to the call that waits for them, server->client requests to a thread pool (never run on the
reader, so a slow tool never holds up other traffic). One writer thread owns the output
stream; senders only enqueue, so nothing ever waits on the peer to read while holding a lock.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

from .errors import AssistdError, AssistdTimeoutError, ConnectionClosedError, ProtocolError
from .framing import FrameDecoder
from . import protocol
from .protocol import Incoming, RequestId, StreamEvent

logger = logging.getLogger("assistd")

#: Items in a call's inbox: ("event", name, data) | ("result", value) | ("error", exception).
Item = Tuple[Any, ...]

RequestHandler = Callable[[Any], Any]
NotificationHandler = Callable[[Any], None]


class Call:
    """A request in flight: its events and its answer arrive in its inbox in order."""

    __slots__ = ("id", "method", "streaming", "inbox", "next_seq", "__weakref__")

    def __init__(self, request_id: int, method: str, streaming: bool) -> None:
        self.id = request_id
        self.method = method
        self.streaming = streaming
        # SimpleQueue: put() is reentrant, so a finaliser may cancel a stream from anywhere.
        self.inbox: "queue.SimpleQueue[Item]" = queue.SimpleQueue()
        self.next_seq = 0


class Connection:
    def __init__(
        self,
        reader: BinaryIO,
        writer: BinaryIO,
        *,
        max_workers: int = 8,
        name: str = "assistd",
        describe_close: Optional[Callable[[], ConnectionClosedError]] = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._lock = threading.RLock()
        self._calls: Dict[RequestId, Call] = {}
        self._ids = itertools.count(1)
        self._outbox: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()
        self._close_error: Optional[AssistdError] = None
        self._output_closed = False
        self._request_handlers: Dict[str, RequestHandler] = {}
        self._notification_handlers: Dict[str, List[NotificationHandler]] = {}
        self._describe_close = describe_close
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name + "-handler")
        self._reader_thread = threading.Thread(target=self._read_loop, name=name + "-reader", daemon=True)
        self._writer_thread = threading.Thread(target=self._write_loop, name=name + "-writer", daemon=True)
        self._reader_thread.start()
        self._writer_thread.start()

    # --- public surface ---------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._close_error is not None

    @property
    def close_error(self) -> Optional[AssistdError]:
        return self._close_error

    def set_request_handler(self, method: str, handler: Optional[RequestHandler]) -> None:
        """Answer server->client requests of ``method`` with ``handler(params)`` (run in the pool)."""
        with self._lock:
            if handler is None:
                self._request_handlers.pop(method, None)
            else:
                self._request_handlers[method] = handler

    def add_notification_handler(self, method: str, handler: NotificationHandler) -> None:
        with self._lock:
            self._notification_handlers.setdefault(method, []).append(handler)

    def start(self, method: str, params: Any = None, *, streaming: bool = False) -> Call:
        """Send a request and return its :class:`Call` without waiting for the answer."""
        request_id = next(self._ids)
        data = protocol.request_message(request_id, method, params)  # encoding errors raise here
        call = Call(request_id, method, streaming)
        with self._lock:
            self._check_open(method)
            self._calls[request_id] = call
            self._outbox.put(data)
        return call

    def next_item(self, call: Call, timeout: Optional[float] = None) -> Item:
        """The call's next event or its answer. Raises :class:`AssistdTimeoutError` on timeout."""
        try:
            return call.inbox.get(timeout=timeout)
        except queue.Empty:
            raise AssistdTimeoutError("%s got no answer within %ss" % (call.method, timeout), method=call.method) from None

    def wait(self, call: Call, timeout: Optional[float] = None) -> Any:
        """Block until the call is answered; return its result or raise its error.

        On timeout the request is cancelled (``$/cancelRequest``) and abandoned.
        """
        while True:
            try:
                item = self.next_item(call, timeout)
            except AssistdTimeoutError:
                self.cancel(call, forget=True)
                raise
            kind = item[0]
            if kind == "result":
                return item[1]
            if kind == "error":
                raise item[1]
            # A stray event of a non-streaming call: nothing waits for it.

    def request(self, method: str, params: Any = None, timeout: Optional[float] = None) -> Any:
        return self.wait(self.start(method, params), timeout)

    def notify(self, method: str, params: Any = None) -> None:
        data = protocol.notification_message(method, params)
        with self._lock:
            self._check_open(method)
            self._outbox.put(data)

    def cancel(self, call: Call, *, forget: bool) -> bool:
        """Send ``$/cancelRequest`` for a call still in flight; True if it was.

        ``forget`` drops the call at once (its late events and answer are ignored); otherwise
        the answer (the result, or error -32800) still arrives in its inbox.
        """
        with self._lock:
            if call.id not in self._calls:
                return False
            if forget:
                del self._calls[call.id]
            if self._close_error is None:
                self._outbox.put(protocol.cancel_message(call.id))
            return True

    def in_flight(self) -> int:
        with self._lock:
            return len(self._calls)

    def close_output(self) -> None:
        """Flush what is queued, then close the output stream (the peer sees EOF)."""
        with self._lock:
            if self._output_closed:
                return
            self._output_closed = True
            self._outbox.put(None)

    def join(self, timeout: Optional[float] = None) -> None:
        self._writer_thread.join(timeout)
        self._reader_thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def fail(self, error: AssistdError) -> None:
        """Mark the connection closed and fail every call in flight with ``error``."""
        with self._lock:
            if self._close_error is None:
                self._close_error = error
            calls = list(self._calls.values())
            self._calls.clear()
        for call in calls:
            call.inbox.put(("error", self._error_for(call.method, error)))

    # --- internals --------------------------------------------------------------------

    def _check_open(self, method: str) -> None:
        if self._close_error is not None:
            raise self._error_for(method, self._close_error)
        if self._output_closed:
            raise ConnectionClosedError("%s: the connection to assistd is closing" % method)

    @staticmethod
    def _error_for(method: str, error: AssistdError) -> AssistdError:
        if isinstance(error, ConnectionClosedError):
            copy = ConnectionClosedError(error.message, error.returncode, error.stderr_tail)
            copy.method = method
            return copy
        return error

    def _write_loop(self) -> None:
        stop = False
        while not stop:
            data = self._outbox.get()
            if data is None:
                break
            chunks = [data]
            while True:  # coalesce what is already queued into one write
                try:
                    more = self._outbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                chunks.append(more)
            try:
                self._writer.write(b"".join(chunks))
                self._writer.flush()
            except (OSError, ValueError) as error:
                self.fail(self._closed_error("cannot write to assistd: %s" % error))
                break
        try:
            self._writer.close()
        except (OSError, ValueError):
            pass

    def _read_loop(self) -> None:
        decoder = FrameDecoder()
        read = getattr(self._reader, "read1", None) or self._reader.read
        error: Optional[AssistdError] = None
        try:
            while True:
                chunk = read(65536)
                if not chunk:
                    break
                for body in decoder.feed(chunk):
                    self._dispatch(body)
        except ProtocolError as broken:
            error = ConnectionClosedError("assistd's output broke the framing: %s" % broken.message)
        except (OSError, ValueError) as failure:
            error = self._closed_error("cannot read from assistd: %s" % failure)
        except BaseException as unexpected:  # keep the invariant: no call is left hanging
            error = ConnectionClosedError("the reader stopped: %r" % (unexpected,))
            raise
        finally:
            if error is None:
                detail = " (%d bytes of an unfinished frame)" % decoder.buffered if decoder.buffered else ""
                error = self._closed_error("assistd closed its output" + detail)
            self.fail(error)

    def _closed_error(self, message: str) -> ConnectionClosedError:
        if self._describe_close is not None:
            try:
                described = self._describe_close()
                described.message = message + "; " + described.message
                described.args = (described.message,)
                return described
            except Exception:  # describing must never hide the closing itself
                logger.exception("describing the closed connection failed")
        return ConnectionClosedError(message)

    def _dispatch(self, body: bytes) -> None:
        incoming = protocol.decode(body)
        if incoming is None:
            return
        if incoming.kind == Incoming.RESPONSE:
            self._on_response(incoming)
        elif incoming.kind == Incoming.NOTIFICATION:
            self._on_notification(incoming)
        else:
            self._on_request(incoming)

    def _on_response(self, incoming: Incoming) -> None:
        with self._lock:
            call = self._calls.pop(incoming.id, None) if isinstance(incoming.id, (int, str)) else None
        if call is None:
            return  # the answer to a call given up on (cancelled or timed out)
        ok, value = incoming.response_outcome(call.method)
        call.inbox.put(("result", value) if ok else ("error", value))

    def _on_notification(self, incoming: Incoming) -> None:
        if incoming.method == protocol.RUN_EVENT:
            self._on_run_event(incoming.params)
            return
        with self._lock:
            handlers = list(self._notification_handlers.get(incoming.method or "", ()))
        for handler in handlers:
            self._pool.submit(self._run_notification_handler, handler, incoming.params)

    @staticmethod
    def _run_notification_handler(handler: NotificationHandler, params: Any) -> None:
        try:
            handler(params)
        except Exception:
            logger.exception("notification handler %r failed", handler)

    def _on_run_event(self, params: Any) -> None:
        try:
            event = StreamEvent.from_params(params)
        except ProtocolError as bad:
            request = params.get("request") if isinstance(params, dict) else None
            with self._lock:
                call = self._calls.pop(request, None) if isinstance(request, (int, str)) else None
            if call is None:
                logger.warning("%s", bad)
                return
            self.cancel_abandoned(call.id)
            call.inbox.put(("error", bad))
            return
        with self._lock:
            call = self._calls.get(event.request) if isinstance(event.request, (int, str)) else None
            if call is None:
                return  # a stream given up on: its remaining events are dropped
            if event.seq != call.next_seq:
                del self._calls[call.id]
                gap: Optional[ProtocolError] = protocol.seq_gap_error(call.id, call.next_seq, event.seq)
            else:
                call.next_seq += 1
                gap = None
        if gap is not None:
            self.cancel_abandoned(call.id)
            call.inbox.put(("error", gap))
        else:
            call.inbox.put(("event", event.event, event.data))

    def cancel_abandoned(self, request_id: RequestId) -> None:
        with self._lock:
            if self._close_error is None:
                self._outbox.put(protocol.cancel_message(request_id))

    def _on_request(self, incoming: Incoming) -> None:
        try:
            self._pool.submit(self._answer, incoming)
        except RuntimeError:  # the pool is shut down: the client is closing
            self._send_answer(protocol.error_message(incoming.id, -32603, "the client is closing"))  # type: ignore[arg-type]

    def _answer(self, incoming: Incoming) -> None:
        request_id: RequestId = incoming.id  # type: ignore[assignment]
        with self._lock:
            handler = self._request_handlers.get(incoming.method or "")
        if handler is None:
            self._send_answer(protocol.unknown_method_answer(request_id, incoming.method or ""))
            return
        try:
            answer = protocol.result_message(request_id, handler(incoming.params))
        except BaseException as error:  # noqa: B902 - every failure becomes an error answer
            answer = protocol.exception_answer(request_id, error)
            if not isinstance(error, Exception):
                self._send_answer(answer)
                raise
        self._send_answer(answer)

    def _send_answer(self, data: bytes) -> None:
        with self._lock:
            if self._close_error is None and not self._output_closed:
                self._outbox.put(data)
