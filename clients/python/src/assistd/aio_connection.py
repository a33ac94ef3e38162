"""The asyncio twin of :mod:`assistd.connection`: one reader task routes what arrives.

Writes go straight into the transport's buffer (never awaited by the reader), and callers
await ``drain`` afterwards for back-pressure; server->client requests each run in a task.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Set, Tuple

from . import protocol
from .errors import AssistdError, AssistdTimeoutError, ConnectionClosedError, ProtocolError
from .framing import FrameDecoder
from .protocol import Incoming, RequestId, StreamEvent

logger = logging.getLogger("assistd")

Item = Tuple[Any, ...]
AsyncRequestHandler = Callable[[Any], Awaitable[Any]]
NotificationHandler = Callable[[Any], Any]


class AsyncCall:
    __slots__ = ("id", "method", "streaming", "inbox", "next_seq", "__weakref__")

    def __init__(self, request_id: int, method: str, streaming: bool) -> None:
        self.id = request_id
        self.method = method
        self.streaming = streaming
        self.inbox: "asyncio.Queue[Item]" = asyncio.Queue()
        self.next_seq = 0


class AsyncConnection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: Any,
        *,
        describe_close: Optional[Callable[[str], Awaitable[ConnectionClosedError]]] = None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._loop = asyncio.get_running_loop()
        self._calls: Dict[RequestId, AsyncCall] = {}
        self._ids = itertools.count(1)
        self._close_error: Optional[AssistdError] = None
        self._output_closed = False
        self._request_handlers: Dict[str, AsyncRequestHandler] = {}
        self._notification_handlers: Dict[str, List[NotificationHandler]] = {}
        self._describe_close = describe_close
        self._tasks: Set["asyncio.Task[Any]"] = set()
        self._drain_lock = asyncio.Lock()
        self._reader_task = self._loop.create_task(self._read_loop())

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def closed(self) -> bool:
        return self._close_error is not None

    def set_request_handler(self, method: str, handler: Optional[AsyncRequestHandler]) -> None:
        if handler is None:
            self._request_handlers.pop(method, None)
        else:
            self._request_handlers[method] = handler

    def add_notification_handler(self, method: str, handler: NotificationHandler) -> None:
        self._notification_handlers.setdefault(method, []).append(handler)

    def _check_open(self, method: str) -> None:
        if self._close_error is not None:
            raise _error_for(method, self._close_error)
        if self._output_closed:
            raise ConnectionClosedError("%s: the connection to assistd is closing" % method)

    def _write(self, data: bytes) -> None:
        try:
            self._writer.write(data)
        except (OSError, RuntimeError) as error:
            self.fail(ConnectionClosedError("cannot write to assistd: %s" % error))
            raise self._close_error  # type: ignore[misc]

    async def drain(self) -> None:
        async with self._drain_lock:
            try:
                await self._writer.drain()
            except (OSError, RuntimeError) as error:
                self.fail(ConnectionClosedError("cannot write to assistd: %s" % error))

    def start(self, method: str, params: Any = None, *, streaming: bool = False) -> AsyncCall:
        request_id = next(self._ids)
        data = protocol.request_message(request_id, method, params)
        self._check_open(method)
        call = AsyncCall(request_id, method, streaming)
        self._calls[request_id] = call
        self._write(data)
        return call

    async def next_item(self, call: AsyncCall, timeout: Optional[float] = None) -> Item:
        try:
            if timeout is None:
                return await call.inbox.get()
            return await asyncio.wait_for(call.inbox.get(), timeout)
        except asyncio.TimeoutError:
            raise AssistdTimeoutError("%s got no answer within %ss" % (call.method, timeout), method=call.method) from None

    async def wait(self, call: AsyncCall, timeout: Optional[float] = None) -> Any:
        try:
            while True:
                item = await self.next_item(call, timeout)
                if item[0] == "result":
                    return item[1]
                if item[0] == "error":
                    raise item[1]
        except (AssistdTimeoutError, asyncio.CancelledError):
            # Given up on by the caller (timeout, or its task was cancelled): tell assistd.
            self.cancel(call, forget=True)
            raise

    async def request(self, method: str, params: Any = None, timeout: Optional[float] = None) -> Any:
        call = self.start(method, params)
        await self.drain()
        return await self.wait(call, timeout)

    def notify(self, method: str, params: Any = None) -> None:
        data = protocol.notification_message(method, params)
        self._check_open(method)
        self._write(data)

    def cancel(self, call: AsyncCall, *, forget: bool) -> bool:
        """Send ``$/cancelRequest`` for a call in flight; safe from any thread (finalisers)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self._loop:
            if not self._loop.is_closed():
                self._loop.call_soon_threadsafe(functools.partial(self.cancel, call, forget=forget))
            return True
        if call.id not in self._calls:
            return False
        if forget:
            del self._calls[call.id]
        self._send_cancel(call.id)
        return True

    def _send_cancel(self, request_id: RequestId) -> None:
        if self._close_error is None and not self._output_closed:
            try:
                self._writer.write(protocol.cancel_message(request_id))
            except (OSError, RuntimeError):
                pass

    def close_output(self) -> None:
        if self._output_closed:
            return
        self._output_closed = True
        try:
            self._writer.close()
        except (OSError, RuntimeError):
            pass

    async def join(self, timeout: Optional[float] = None) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(self._reader_task), timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self._reader_task.cancel()
        for task in list(self._tasks):
            task.cancel()

    def fail(self, error: AssistdError) -> None:
        if self._close_error is None:
            self._close_error = error
        calls = list(self._calls.values())
        self._calls.clear()
        for call in calls:
            call.inbox.put_nowait(("error", _error_for(call.method, error)))

    # --- reading ---

    async def _read_loop(self) -> None:
        decoder = FrameDecoder()
        reason: Optional[str] = None
        try:
            while True:
                chunk = await self._reader.read(65536)
                if not chunk:
                    break
                for body in decoder.feed(chunk):
                    self._dispatch(body)
        except ProtocolError as broken:
            reason = "assistd's output broke the framing: %s" % broken.message
        except (OSError, ValueError) as failure:
            reason = "cannot read from assistd: %s" % failure
        except asyncio.CancelledError:
            reason = "the reader was cancelled"
        finally:
            if reason is None:
                reason = "assistd closed its output"
                if decoder.buffered:
                    reason += " (%d bytes of an unfinished frame)" % decoder.buffered
            error = ConnectionClosedError(reason)
            if self._describe_close is not None and self._close_error is None:
                try:
                    error = await self._describe_close(reason)
                except Exception:
                    logger.exception("describing the closed connection failed")
            self.fail(error)

    def _dispatch(self, body: bytes) -> None:
        incoming = protocol.decode(body)
        if incoming is None:
            return
        if incoming.kind == Incoming.RESPONSE:
            call = self._calls.pop(incoming.id, None) if isinstance(incoming.id, (int, str)) else None
            if call is not None:
                ok, value = incoming.response_outcome(call.method)
                call.inbox.put_nowait(("result", value) if ok else ("error", value))
        elif incoming.kind == Incoming.NOTIFICATION:
            if incoming.method == protocol.RUN_EVENT:
                self._on_run_event(incoming.params)
            else:
                for handler in self._notification_handlers.get(incoming.method or "", ()):
                    self._spawn(self._run_notification_handler(handler, incoming.params))
        else:
            self._spawn(self._answer(incoming))

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task: "asyncio.Task[Any]" = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run_notification_handler(handler: NotificationHandler, params: Any) -> None:
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            logger.exception("notification handler %r failed", handler)

    def _on_run_event(self, params: Any) -> None:
        try:
            event = StreamEvent.from_params(params)
        except ProtocolError as bad:
            request = params.get("request") if isinstance(params, dict) else None
            call = self._calls.pop(request, None) if isinstance(request, (int, str)) else None
            if call is None:
                logger.warning("%s", bad)
            else:
                self._send_cancel(call.id)
                call.inbox.put_nowait(("error", bad))
            return
        call = self._calls.get(event.request) if isinstance(event.request, (int, str)) else None
        if call is None:
            return
        if event.seq != call.next_seq:
            del self._calls[call.id]
            self._send_cancel(call.id)
            call.inbox.put_nowait(("error", protocol.seq_gap_error(call.id, call.next_seq, event.seq)))
            return
        call.next_seq += 1
        call.inbox.put_nowait(("event", event.event, event.data))

    async def _answer(self, incoming: Incoming) -> None:
        request_id: RequestId = incoming.id  # type: ignore[assignment]
        handler = self._request_handlers.get(incoming.method or "")
        if handler is None:
            answer = protocol.unknown_method_answer(request_id, incoming.method or "")
        else:
            try:
                answer = protocol.result_message(request_id, await handler(incoming.params))
            except asyncio.CancelledError:
                answer = protocol.error_message(request_id, -32800, "the client cancelled the call (it is closing)")
            except Exception as error:
                answer = protocol.exception_answer(request_id, error)
        if self._close_error is None and not self._output_closed:
            try:
                self._writer.write(answer)
            except (OSError, RuntimeError):
                return
            await self.drain()


def _error_for(method: str, error: AssistdError) -> AssistdError:
    if isinstance(error, ConnectionClosedError):
        copy = ConnectionClosedError(error.message, error.returncode, error.stderr_tail)
        copy.method = method
        return copy
    return error
