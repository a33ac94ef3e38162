# Generated from _async_streams.py by clients/python/tools/generate_sync.py: do not edit.
# Edit _async_streams.py and run the script again; the tests fail while this file is not current.
"""The iterator of a streaming run: ``(event, data)`` pairs as they arrive, as the SDK yields them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, List, Optional

from ._errors import AssistdTimeoutError, RequestCancelledError
from ._objects import AssistdObject, object_text
from ._stream_state import EventPair, StreamState

if TYPE_CHECKING:  # pragma: no cover
    from ._sync_connection import Connection
    from ._core import Call


class RunStream(Iterator[EventPair]):
    """Iterate ``for event, data in stream``. ``done`` is swallowed, as the SDK does.

    After the last pair, ``stream.run`` holds the run as it stands at the end (the request's
    response). Closing the stream early -- ``stream.close()``, leaving the ``with``
    block, ``break``-ing out of a loop over a temporary, or dropping the last reference -- sends
    ``$/cancelRequest`` for the request. That cancels the *request*, not the run: call
    ``client.runs.cancel`` as well to stop the run itself.
    """

    def __init__(self, connection: "Connection", call: "Call", timeout: Optional[float] = None) -> None:
        self._connection = connection
        self._call = call
        self._timeout = timeout
        self._state = StreamState(call.method, call.id)

    # --- what it saw ---

    @property
    def request_id(self) -> int:
        """The JSON-RPC id of the request that opened the stream."""
        return self._call.id

    @property
    def run(self) -> Optional[AssistdObject]:
        """The run as it stood at the end of the stream (None until the stream has ended)."""
        return self._state.run

    @property
    def run_id(self) -> Optional[str]:
        """The run's id, known from the first run event on."""
        return self._state.run_id

    @property
    def thread_id(self) -> Optional[str]:
        return self._state.thread_id

    @property
    def finished(self) -> bool:
        return self._state.finished

    # --- iteration ---

    def __iter__(self) -> "RunStream":
        return self

    def __next__(self) -> EventPair:
        while True:
            if self._state.finished:
                raise StopIteration
            try:
                item = self._connection.next_item(self._call, self._timeout)
            except AssistdTimeoutError:
                self.close()  # given up on: cancel the request
                raise
            kind = item[0]
            if kind == "event":
                if self._state.observe(item[1], item[2]):
                    return item[1], item[2]
            elif kind == "result":
                self._state.finish(item[1])
                raise StopIteration
            else:
                self._state.finished = True
                raise item[1]

    def until_done(self) -> Optional[AssistdObject]:
        """Consume the rest of the stream and return the final run.

        Raises :class:`RunFailedError` when the run ended ``failed`` or ``expired``; warns
        :class:`RunIncompleteWarning` when it ended ``incomplete``.
        """
        for _ in self:
            pass
        self._state.check_outcome()
        return self._state.run

    def text_deltas(self) -> Iterator[str]:
        """Only the text of ``thread.message.delta`` events, as it arrives.

        Once the stream ends: raises :class:`RunFailedError` when the run ended ``failed`` or
        ``expired``; warns :class:`RunIncompleteWarning` when it ended ``incomplete``.
        """
        for event, data in self:
            if event == "thread.message.delta":
                text = object_text(data)
                if text:
                    yield text
        self._state.check_outcome()

    def events(self) -> List[EventPair]:
        """Consume the stream; all pairs in a list."""
        return [pair for pair in self]

    # --- ending early ---

    def close(self) -> None:
        """Stop listening; if the request is still in flight, send ``$/cancelRequest``."""
        if self._state.finished:
            return
        self._state.finished = True
        self._connection.cancel(self._call, forget=True)

    def cancel(self, timeout: Optional[float] = None) -> Optional[AssistdObject]:
        """Cancel the request and wait for its answer.

        Returns the final run when the request had finished anyway, None when the server
        answered -32800 (cancelled). Events still arriving meanwhile are dropped.
        """
        if self._state.finished:
            return self._state.run
        if not self._connection.cancel(self._call, forget=False):
            self._state.finished = True
            return self._state.run
        try:
            while True:
                item = self._connection.next_item(self._call, timeout)
                if item[0] == "event":
                    self._state.observe(item[1], item[2])
                elif item[0] == "result":
                    self._state.finish(item[1])
                    return self._state.run
                else:
                    error = item[1]
                    if isinstance(error, RequestCancelledError):
                        return None
                    raise error
        finally:
            self._state.finished = True

    def __enter__(self) -> "RunStream":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not self._state.finished:
                self.close()
        except Exception:  # never raise from a finaliser (e.g. at interpreter exit)
            pass

    def __repr__(self) -> str:
        state = "finished" if self._state.finished else "open"
        return "<%s %s request=%s run=%s %s>" % (
            type(self).__name__, self._call.method, self._call.id, self._state.run_id, state)
