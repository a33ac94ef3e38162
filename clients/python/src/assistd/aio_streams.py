"""The asyncio iterator of a streaming run: ``async for event, data in stream``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, List, Optional

from .errors import AssistdTimeoutError, RequestCancelledError
from .objects import AssistdObject, object_text
from .streams import EventPair, StreamState

if TYPE_CHECKING:  # pragma: no cover
    from .aio_connection import AsyncCall, AsyncConnection


class AsyncRunStream(AsyncIterator[EventPair]):
    """Like :class:`assistd.RunStream`, for ``async for``. ``done`` is swallowed.

    ``await stream.aclose()`` (or leaving ``async with``, or dropping the stream) before the end
    sends ``$/cancelRequest`` for the request; ``client.runs.cancel`` stops the run itself.
    """

    def __init__(self, connection: "AsyncConnection", call: "AsyncCall", timeout: Optional[float] = None) -> None:
        self._connection = connection
        self._call = call
        self._timeout = timeout
        self._state = StreamState(call.method, call.id)

    @property
    def request_id(self) -> int:
        return self._call.id

    @property
    def run(self) -> Optional[AssistdObject]:
        return self._state.run

    @property
    def run_id(self) -> Optional[str]:
        return self._state.run_id

    @property
    def thread_id(self) -> Optional[str]:
        return self._state.thread_id

    @property
    def finished(self) -> bool:
        return self._state.finished

    def __aiter__(self) -> "AsyncRunStream":
        return self

    async def __anext__(self) -> EventPair:
        while True:
            if self._state.finished:
                raise StopAsyncIteration
            try:
                item = await self._connection.next_item(self._call, self._timeout)
            except AssistdTimeoutError:
                self.close()  # given up on: cancel the request
                raise
            if item[0] == "event":
                if self._state.observe(item[1], item[2]):
                    return item[1], item[2]
            elif item[0] == "result":
                self._state.finish(item[1])
                raise StopAsyncIteration
            else:
                self._state.finished = True
                raise item[1]

    async def until_done(self) -> Optional[AssistdObject]:
        async for _ in self:
            pass
        return self._state.run

    async def text_deltas(self) -> AsyncIterator[str]:
        async for event, data in self:
            if event == "thread.message.delta":
                text = object_text(data)
                if text:
                    yield text

    async def events(self) -> List[EventPair]:
        return [pair async for pair in self]

    def close(self) -> None:
        if self._state.finished:
            return
        self._state.finished = True
        self._connection.cancel(self._call, forget=True)

    async def aclose(self) -> None:
        self.close()

    async def cancel(self, timeout: Optional[float] = None) -> Optional[AssistdObject]:
        """Cancel the request and wait for its answer: the final run, or None if cancelled."""
        if self._state.finished:
            return self._state.run
        if not self._connection.cancel(self._call, forget=False):
            self._state.finished = True
            return self._state.run
        try:
            while True:
                item = await self._connection.next_item(self._call, timeout)
                if item[0] == "event":
                    self._state.observe(item[1], item[2])
                elif item[0] == "result":
                    self._state.finish(item[1])
                    return self._state.run
                else:
                    if isinstance(item[1], RequestCancelledError):
                        return None
                    raise item[1]
        finally:
            self._state.finished = True

    async def __aenter__(self) -> "AsyncRunStream":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not self._state.finished:
                self.close()
        except Exception:  # never raise from a finaliser (e.g. at interpreter exit)
            pass

    def __repr__(self) -> str:
        state = "finished" if self._state.finished else "open"
        return "<AsyncRunStream %s request=%s run=%s %s>" % (self._call.method, self._call.id, self._state.run_id, state)
