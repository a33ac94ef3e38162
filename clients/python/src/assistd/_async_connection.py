"""The asyncio transport: one reader task hands what arrives to the :class:`ProtocolCore`.

Writes go straight into the transport's buffer (never awaited by the reader), and callers
await ``drain`` afterwards for back-pressure; server->client requests each run in a task.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Coroutine, Optional, Set

from ._core import Call, Item, ProtocolCore
from ._errors import REQUEST_CANCELLED, AssistdError, AssistdTimeoutError, ConnectionClosedError, ProtocolError
from ._framing import FrameDecoder
from ._messages import Incoming, error_message, exception_answer, notification_message, result_answer

logger = logging.getLogger("assistd")

AsyncRequestHandler = Callable[[Any], Awaitable[Any]]
NotificationHandler = Callable[[Any], Any]


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
        self._core = ProtocolCore()
        self._describe_close = describe_close
        self._tasks: Set["asyncio.Task[Any]"] = set()
        self._drain_lock = asyncio.Lock()
        self._reader_task = self._loop.create_task(self._read_loop())

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def closed(self) -> bool:
        return self._core.closed

    def set_request_handler(self, method: str, handler: Optional[AsyncRequestHandler]) -> None:
        self._core.set_request_handler(method, handler)

    def add_notification_handler(self, method: str, handler: NotificationHandler) -> None:
        self._core.add_notification_handler(method, handler)

    def _write(self, data: bytes) -> None:
        try:
            self._writer.write(data)
        except (OSError, RuntimeError) as error:
            self.fail(ConnectionClosedError("cannot write to assistd: %s" % error))
            raise self._core.close_error  # type: ignore[misc]

    def _write_quietly(self, data: bytes) -> bool:
        """Write what nobody waits on (cancels, answers); a broken pipe shows up in the reader."""
        try:
            self._writer.write(data)
            return True
        except (OSError, RuntimeError):
            return False

    async def drain(self) -> None:
        async with self._drain_lock:
            try:
                await self._writer.drain()
            except (OSError, RuntimeError) as error:
                self.fail(ConnectionClosedError("cannot write to assistd: %s" % error))

    def start(self, method: str, params: Any = None, *, streaming: bool = False, first_seq: int = 0) -> Call:
        request_id, data = self._core.encode_request(method, params)
        call = self._core.register(request_id, method, streaming, asyncio.Queue(), first_seq)
        self._write(data)
        return call

    async def next_item(self, call: Call, timeout: Optional[float] = None) -> Item:
        try:
            if timeout is None:
                return await call.inbox.get()
            return await asyncio.wait_for(call.inbox.get(), timeout)
        except asyncio.TimeoutError:
            raise AssistdTimeoutError("%s got no answer within %ss" % (call.method, timeout), method=call.method) from None

    async def wait(self, call: Call, timeout: Optional[float] = None) -> Any:
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
        data = notification_message(method, params)
        self._core.check_open(method)
        self._write(data)

    def cancel(self, call: Call, *, forget: bool) -> bool:
        """Send ``$/cancelRequest`` for a call in flight; safe from any thread (finalisers)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self._loop:
            if not self._loop.is_closed():
                self._loop.call_soon_threadsafe(functools.partial(self.cancel, call, forget=forget))
            return True
        in_flight, data = self._core.cancel(call, forget)
        if data is not None:
            self._write_quietly(data)
        return in_flight

    def close_output(self) -> None:
        if self._core.close_output():
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
        for call, item in self._core.fail(error):
            call.inbox.put_nowait(item)

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
            if self._describe_close is not None and not self._core.closed:
                try:
                    error = await self._describe_close(reason)
                except Exception:
                    logger.exception("describing the closed connection failed")
            self.fail(error)

    def _dispatch(self, body: bytes) -> None:
        routed = self._core.receive(body)
        if routed.send is not None:
            self._write_quietly(routed.send)
        if routed.delivery is not None:
            call, item = routed.delivery
            call.inbox.put_nowait(item)
        if routed.request is not None:
            self._spawn(self._answer(routed.request, routed.handler))  # type: ignore[arg-type]
        for handler in routed.notification_handlers:
            self._spawn(self._run_notification_handler(handler, routed.params))

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

    async def _answer(self, incoming: Incoming, handler: AsyncRequestHandler) -> None:
        request_id = incoming.id
        try:
            answer = result_answer(request_id, await handler(incoming.params))  # type: ignore[arg-type]
        except asyncio.CancelledError:
            answer = error_message(request_id, REQUEST_CANCELLED, "the client cancelled the call (it is closing)")  # type: ignore[arg-type]
        except Exception as error:
            answer = exception_answer(request_id, error)  # type: ignore[arg-type]
        if self._core.can_send and self._write_quietly(answer):
            await self.drain()
