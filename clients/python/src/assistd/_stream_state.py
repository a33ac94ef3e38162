"""What a streaming request has seen: the run's ids, its final state, the ``done`` marker.

Both stream flavours keep one of these; nothing here does I/O.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Tuple

from ._errors import RunFailedError, RunIncompleteWarning
from ._messages import DONE_EVENT
from ._objects import AssistdObject

EventPair = Tuple[str, Any]


class StreamState:
    def __init__(self, method: str, request_id: Any) -> None:
        self.method = method
        self.request_id = request_id
        self.finished = False
        self.run: Optional[AssistdObject] = None
        self.run_id: Optional[str] = None
        self.thread_id: Optional[str] = None
        self.saw_done = False
        self.event_count = 0

    def observe(self, event: str, data: Any) -> bool:
        """Note an event; False for the ``done`` marker, which is not handed to the caller."""
        self.event_count += 1
        if event == DONE_EVENT:
            self.saw_done = True
            return False
        if isinstance(data, dict):
            kind = data.get("object")
            if kind == "thread.run":
                self.run_id = data.get("id") or self.run_id
                self.thread_id = data.get("thread_id") or self.thread_id
            elif kind == "thread":
                self.thread_id = data.get("id") or self.thread_id
            elif isinstance(data.get("run_id"), str) and data.get("run_id"):
                self.run_id = self.run_id or data["run_id"]
                if isinstance(data.get("thread_id"), str) and data.get("thread_id"):
                    self.thread_id = self.thread_id or data["thread_id"]
        return True

    def finish(self, run: Any) -> None:
        self.finished = True
        if isinstance(run, dict):
            self.run = run  # type: ignore[assignment]
            if run.get("object") == "thread.run":
                self.run_id = run.get("id") or self.run_id
                self.thread_id = run.get("thread_id") or self.thread_id

    def check_outcome(self) -> None:
        """After the stream ended: raise for a run that ``failed`` or ``expired``, warn for one
        that ended ``incomplete``, so neither passes for an empty or complete reply."""
        run = self.run
        if not isinstance(run, dict):
            return
        status = run.get("status")
        if status in ("failed", "expired"):
            raise RunFailedError(run)
        if status == "incomplete":
            warnings.warn(RunIncompleteWarning(run), stacklevel=3)
