"""The protocol's methods as a table: adding a method to the client is adding a row here.

Each row names the JSON-RPC method, the namespace and Python name it appears under
(``client.runs.submit_tool_outputs``), the parameters its first positional arguments fill (the
SDK's order: the object's own id first, e.g. ``runs.retrieve(run_id, thread_id=...)``), and
whether it can stream. Namespaces without a hand-written wrapper for a row still expose it:
``client.<namespace>.<name>(*ids, **params)`` is built from the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class MethodSpec:
    rpc: str
    namespace: str
    name: str
    positional: Tuple[str, ...] = ()
    streams: bool = False

    def params(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
        """Named params from positional ids plus keyword fields; ``None`` values are left out."""
        if len(args) > len(self.positional):
            raise TypeError("%s takes at most %d positional arguments (%s), got %d" % (
                self.qualified_name, len(self.positional), ", ".join(self.positional) or "none", len(args)))
        params: Dict[str, Any] = {}
        for name, value in zip(self.positional, args):
            if name in kwargs:
                raise TypeError("%s got %r both by position and by keyword" % (self.qualified_name, name))
            params[name] = value
        params.update(kwargs)
        return {k: v for k, v in params.items() if v is not None}

    @property
    def qualified_name(self) -> str:
        return "%s.%s" % (self.namespace, self.name)


METHODS: List[MethodSpec] = [
    MethodSpec("assistants/create", "assistants", "create"),
    MethodSpec("assistants/list", "assistants", "list"),
    MethodSpec("assistants/retrieve", "assistants", "retrieve", ("assistant_id",)),
    MethodSpec("assistants/update", "assistants", "update", ("assistant_id",)),
    MethodSpec("assistants/delete", "assistants", "delete", ("assistant_id",)),
    MethodSpec("assistants/files/create", "assistants.files", "create", ("assistant_id",)),
    MethodSpec("assistants/files/list", "assistants.files", "list", ("assistant_id",)),
    MethodSpec("assistants/files/retrieve", "assistants.files", "retrieve", ("file_id",)),
    MethodSpec("assistants/files/delete", "assistants.files", "delete", ("file_id",)),
    MethodSpec("threads/create", "threads", "create"),
    MethodSpec("threads/list", "threads", "list"),
    MethodSpec("threads/retrieve", "threads", "retrieve", ("thread_id",)),
    MethodSpec("threads/update", "threads", "update", ("thread_id",)),
    MethodSpec("threads/delete", "threads", "delete", ("thread_id",)),
    MethodSpec("messages/create", "messages", "create", ("thread_id",)),
    MethodSpec("messages/list", "messages", "list", ("thread_id",)),
    MethodSpec("messages/retrieve", "messages", "retrieve", ("message_id",)),
    MethodSpec("messages/update", "messages", "update", ("message_id",)),
    MethodSpec("messages/files/list", "messages.files", "list", ("message_id",)),
    MethodSpec("messages/files/retrieve", "messages.files", "retrieve", ("file_id",)),
    MethodSpec("runs/create", "runs", "create", ("thread_id",), streams=True),
    MethodSpec("runs/createThreadAndRun", "runs", "create_thread_and_run", streams=True),
    MethodSpec("runs/list", "runs", "list", ("thread_id",)),
    MethodSpec("runs/retrieve", "runs", "retrieve", ("run_id",)),
    MethodSpec("runs/update", "runs", "update", ("run_id",)),
    MethodSpec("runs/submitToolOutputs", "runs", "submit_tool_outputs", ("run_id",), streams=True),
    MethodSpec("runs/wait", "runs", "wait", ("run_id",)),
    MethodSpec("runs/cancel", "runs", "cancel", ("run_id",)),
    MethodSpec("runs/stream", "runs", "stream", ("thread_id", "run_id")),
    MethodSpec("steps/list", "steps", "list", ("run_id",)),
    MethodSpec("steps/retrieve", "steps", "retrieve", ("step_id",)),
]

#: Attaches to a run's stream: no ``stream`` flag, and ``seq`` is the event's index in the run.
ATTACH_RPC = "runs/stream"


def stream_request(method: str, params: Mapping[str, Any]) -> Tuple[Dict[str, Any], int]:
    """The params a streaming request sends, and the ``seq`` its first event carries."""
    if method == ATTACH_RPC:
        after = params.get("after_seq")
        return dict(params), (-1 if after is None else int(after)) + 1
    return {**params, "stream": True}, 0


METHODS_BY_RPC: Dict[str, MethodSpec] = {m.rpc: m for m in METHODS}


def methods_of(namespace: str) -> Dict[str, MethodSpec]:
    return {m.name: m for m in METHODS if m.namespace == namespace}


def find_method(namespace: str, name: str) -> Optional[MethodSpec]:
    return methods_of(namespace).get(name)


#: Run statuses after which a run will not change by itself (``runs/wait`` stops on these).
TERMINAL_RUN_STATUSES = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
#: What ``runs/wait`` waits for, as the SDK's ``Runs.wait``: a terminal status or requires_action.
WAIT_STOP_STATUSES = TERMINAL_RUN_STATUSES | {"requires_action"}
