"""The thread transport: a JSON-RPC connection over two byte streams, for use from many threads.

One reader thread decodes frames and hands them to the :class:`ProtocolCore`, which routes them:
responses and ``runs/event`` notifications to the call that waits for them, server->client
requests to a thread pool (never run on the reader, so a slow tool never holds up other
traffic). One writer thread owns the output stream; senders only enqueue, so nothing ever
waits on the peer to read while holding the lock.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Callable, Optional

from ._core import Call, Item, ProtocolCore, RequestHandler, Routed
from ._errors import INTERNAL_ERROR, AssistdError, AssistdTimeoutError, ConnectionClosedError, ProtocolError
from ._framing import FrameDecoder
from ._messages import Incoming, error_message, exception_answer, notification_message, result_answer

logger = logging.getLogger("assistd")

NotificationHandler = Callable[[Any], None]


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
        self._core = ProtocolCore()
        self._outbox: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()
        self._describe_close = describe_close
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name + "-handler")
        self._reader_thread = threading.Thread(target=self._read_loop, name=name + "-reader", daemon=True)
        self._writer_thread = threading.Thread(target=self._write_loop, name=name + "-writer", daemon=True)
        self._reader_thread.start()
        self._writer_thread.start()

    # --- public surface ---------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._core.closed

    @property
    def close_error(self) -> Optional[AssistdError]:
        return self._core.close_error

    def set_request_handler(self, method: str, handler: Optional[RequestHandler]) -> None:
        """Answer server->client requests of ``method`` with ``handler(params)`` (run in the pool)."""
        with self._lock:
            self._core.set_request_handler(method, handler)

    def add_notification_handler(self, method: str, handler: NotificationHandler) -> None:
        with self._lock:
            self._core.add_notification_handler(method, handler)

    def start(self, method: str, params: Any = None, *, streaming: bool = False, first_seq: int = 0) -> Call:
        """Send a request and return its :class:`Call` without waiting for the answer."""
        request_id, data = self._core.encode_request(method, params)  # encoding errors raise here
        # SimpleQueue: put() is reentrant, so a finaliser may cancel a stream from anywhere.
        inbox: "queue.SimpleQueue[Item]" = queue.SimpleQueue()
        with self._lock:
            call = self._core.register(request_id, method, streaming, inbox, first_seq)
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
        data = notification_message(method, params)
        with self._lock:
            self._core.check_open(method)
            self._outbox.put(data)

    def cancel(self, call: Call, *, forget: bool) -> bool:
        """Send ``$/cancelRequest`` for a call still in flight; True if it was (see ProtocolCore.cancel)."""
        with self._lock:
            in_flight, data = self._core.cancel(call, forget)
            if data is not None:
                self._outbox.put(data)
        return in_flight

    def in_flight(self) -> int:
        with self._lock:
            return len(self._core.calls)

    def close_output(self) -> None:
        """Flush what is queued, then close the output stream (the peer sees EOF)."""
        with self._lock:
            if self._core.close_output():
                self._outbox.put(None)

    def join(self, timeout: Optional[float] = None) -> None:
        self._writer_thread.join(timeout)
        self._reader_thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def fail(self, error: AssistdError) -> None:
        """Mark the connection closed and fail every call in flight with ``error``."""
        with self._lock:
            deliveries = self._core.fail(error)
        for call, item in deliveries:
            call.inbox.put(item)

    # --- internals --------------------------------------------------------------------

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
        with self._lock:
            routed: Routed = self._core.receive(body)
            if routed.send is not None:
                self._outbox.put(routed.send)
        if routed.delivery is not None:
            call, item = routed.delivery
            call.inbox.put(item)
        if routed.request is not None:
            try:
                self._pool.submit(self._answer, routed.request, routed.handler)
            except RuntimeError:  # the pool is shut down: the client is closing
                self._send_answer(error_message(routed.request.id, INTERNAL_ERROR, "the client is closing"))  # type: ignore[arg-type]
        for handler in routed.notification_handlers:
            self._pool.submit(self._run_notification_handler, handler, routed.params)

    @staticmethod
    def _run_notification_handler(handler: NotificationHandler, params: Any) -> None:
        try:
            handler(params)
        except Exception:
            logger.exception("notification handler %r failed", handler)

    def _answer(self, incoming: Incoming, handler: RequestHandler) -> None:
        request_id = incoming.id
        try:
            answer = result_answer(request_id, handler(incoming.params))  # type: ignore[arg-type]
        except BaseException as error:  # noqa: B902 - every failure becomes an error answer
            answer = exception_answer(request_id, error)  # type: ignore[arg-type]
            if not isinstance(error, Exception):
                self._send_answer(answer)
                raise
        self._send_answer(answer)

    def _send_answer(self, data: bytes) -> None:
        with self._lock:
            if self._core.can_send:
                self._outbox.put(data)
