# Generated from _async_resources.py by clients/python/tools/generate_sync.py: do not edit.
# Edit _async_resources.py and run the script again; the tests fail while this file is not current.
"""``client.assistants``, ``client.threads``, ``client.messages``, ``client.runs``, ``client.steps``.

Signatures follow the official SDK (``dashscope.Runs.retrieve(run_id, thread_id=...)``); each
method sends the JSON-RPC method of the same name with its arguments as named params (``None``
arguments are left out; ``**extra`` fields are sent as given). Rows of the method table
(``assistd.METHODS``) without a wrapper here are still callable through the namespace. With
``stream=True``, runs return a stream of ``(event, data)`` pairs (:class:`RunStream`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, Optional, Sequence, Union, overload

from ._sync_streams import RunStream
from ._methods import find_method
from ._objects import Assistant, AssistantFile, DeletionStatus, ListResult, MessageFile, Run, RunStep, Thread, ThreadMessage
from ._params import Metadata, Tools, fields, run_fields

if TYPE_CHECKING:  # pragma: no cover
    from ._sync_client import Client


class Namespace:
    _namespace = ""

    def __init__(self, client: "Client") -> None:
        self._client = client

    def _call(self, rpc: str, params: Dict[str, Any]) -> Any:
        return self._client.request(rpc, params)

    def _stream(self, rpc: str, params: Dict[str, Any]) -> RunStream:
        return self._client.stream(rpc, params)

    def __getattr__(self, name: str) -> Any:
        spec = find_method(self._namespace, name)
        if spec is None:
            raise AttributeError("%s has no method %r" % (type(self).__name__, name))

        def method(*args: Any, **kwargs: Any) -> Any:
            params = spec.params(args, kwargs)
            if spec.streams and params.get("stream"):
                return self._stream(spec.rpc, params)
            return self._call(spec.rpc, params)

        method.__name__ = name
        method.__doc__ = "Send %s (built from the method table)." % spec.rpc
        return method


class AssistantFiles(Namespace):
    _namespace = "assistants.files"

    def create(self, assistant_id: str, *, file_id: str, **extra: Any) -> AssistantFile:
        return self._call("assistants/files/create", fields(assistant_id=assistant_id, file_id=file_id, **extra))

    def list(self, assistant_id: str, *, limit: Optional[int] = None, order: Optional[str] = None,
             after: Optional[str] = None, before: Optional[str] = None, **extra: Any) -> ListResult:
        return self._call("assistants/files/list", fields(
            assistant_id=assistant_id, limit=limit, order=order, after=after, before=before, **extra))

    def retrieve(self, file_id: str, *, assistant_id: str, **extra: Any) -> AssistantFile:
        return self._call("assistants/files/retrieve", fields(assistant_id=assistant_id, file_id=file_id, **extra))

    def delete(self, file_id: str, *, assistant_id: str, **extra: Any) -> DeletionStatus:
        return self._call("assistants/files/delete", fields(assistant_id=assistant_id, file_id=file_id, **extra))


class Assistants(Namespace):
    _namespace = "assistants"

    def __init__(self, client: "Client") -> None:
        super().__init__(client)
        self.files = AssistantFiles(client)

    def create(self, *, model: str, name: Optional[str] = None, description: Optional[str] = None,
               instructions: Optional[str] = None, tools: Optional[Tools] = None, file_ids: Optional[List[str]] = None,
               metadata: Optional[Metadata] = None, temperature: Optional[float] = None, top_p: Optional[float] = None,
               top_k: Optional[int] = None, max_tokens: Optional[int] = None, **extra: Any) -> Assistant:
        return self._call("assistants/create", fields(
            model=model, name=name, description=description, instructions=instructions, tools=tools,
            file_ids=file_ids, metadata=metadata, temperature=temperature, top_p=top_p, top_k=top_k,
            max_tokens=max_tokens, **extra))

    def list(self, *, limit: Optional[int] = None, order: Optional[str] = None, after: Optional[str] = None,
             before: Optional[str] = None, **extra: Any) -> ListResult:
        return self._call("assistants/list", fields(limit=limit, order=order, after=after, before=before, **extra))

    def retrieve(self, assistant_id: str, **extra: Any) -> Assistant:
        return self._call("assistants/retrieve", fields(assistant_id=assistant_id, **extra))

    get = retrieve

    def update(self, assistant_id: str, *, model: Optional[str] = None, name: Optional[str] = None,
               description: Optional[str] = None, instructions: Optional[str] = None, tools: Optional[Tools] = None,
               file_ids: Optional[List[str]] = None, metadata: Optional[Metadata] = None,
               temperature: Optional[float] = None, top_p: Optional[float] = None, top_k: Optional[int] = None,
               max_tokens: Optional[int] = None, **extra: Any) -> Assistant:
        return self._call("assistants/update", fields(
            assistant_id=assistant_id, model=model, name=name, description=description, instructions=instructions,
            tools=tools, file_ids=file_ids, metadata=metadata, temperature=temperature, top_p=top_p, top_k=top_k,
            max_tokens=max_tokens, **extra))

    def delete(self, assistant_id: str, **extra: Any) -> DeletionStatus:
        return self._call("assistants/delete", fields(assistant_id=assistant_id, **extra))


class Threads(Namespace):
    _namespace = "threads"

    def create(self, *, messages: Optional[Sequence[Mapping[str, Any]]] = None, metadata: Optional[Metadata] = None,
               **extra: Any) -> Thread:
        return self._call("threads/create", fields(messages=messages, metadata=metadata, **extra))

    def list(self, *, limit: Optional[int] = None, order: Optional[str] = None, after: Optional[str] = None,
             before: Optional[str] = None, metadata: Optional[Metadata] = None, **extra: Any) -> ListResult:
        """The local backend's threads; on the hosted one, those its data dir has seen. ``metadata``
        keeps the threads whose metadata has every given pair."""
        return self._call("threads/list", fields(
            limit=limit, order=order, after=after, before=before, metadata=metadata, **extra))

    def retrieve(self, thread_id: str, **extra: Any) -> Thread:
        return self._call("threads/retrieve", fields(thread_id=thread_id, **extra))

    get = retrieve

    def update(self, thread_id: str, *, metadata: Optional[Metadata], **extra: Any) -> Thread:
        return self._call("threads/update", {"thread_id": thread_id, "metadata": metadata, **extra})

    def delete(self, thread_id: str, **extra: Any) -> DeletionStatus:
        return self._call("threads/delete", fields(thread_id=thread_id, **extra))

    def create_and_run(self, *, assistant_id: str, thread: Optional[Mapping[str, Any]] = None,
                       **run_fields: Any) -> Union[Run, RunStream]:
        """``runs/createThreadAndRun``, as the SDK's ``Threads.create_and_run``."""
        return self._client.runs.create_thread_and_run(assistant_id=assistant_id, thread=thread, **run_fields)


class MessageFiles(Namespace):
    _namespace = "messages.files"

    def list(self, message_id: str, *, thread_id: str, limit: Optional[int] = None, order: Optional[str] = None,
             after: Optional[str] = None, before: Optional[str] = None, **extra: Any) -> ListResult:
        return self._call("messages/files/list", fields(
            thread_id=thread_id, message_id=message_id, limit=limit, order=order, after=after, before=before, **extra))

    def retrieve(self, file_id: str, *, thread_id: str, message_id: str, **extra: Any) -> MessageFile:
        return self._call("messages/files/retrieve", fields(
            thread_id=thread_id, message_id=message_id, file_id=file_id, **extra))


class Messages(Namespace):
    _namespace = "messages"

    def __init__(self, client: "Client") -> None:
        super().__init__(client)
        self.files = MessageFiles(client)

    def create(self, thread_id: str, *, content: Any, role: str = "user", file_ids: Optional[List[str]] = None,
               metadata: Optional[Metadata] = None, **extra: Any) -> ThreadMessage:
        return self._call("messages/create", fields(
            thread_id=thread_id, role=role, content=content, file_ids=file_ids, metadata=metadata, **extra))

    def list(self, thread_id: str, *, limit: Optional[int] = None, order: Optional[str] = None,
             after: Optional[str] = None, before: Optional[str] = None, run_id: Optional[str] = None,
             **extra: Any) -> ListResult:
        return self._call("messages/list", fields(
            thread_id=thread_id, limit=limit, order=order, after=after, before=before, run_id=run_id, **extra))

    def retrieve(self, message_id: str, *, thread_id: str, **extra: Any) -> ThreadMessage:
        return self._call("messages/retrieve", fields(thread_id=thread_id, message_id=message_id, **extra))

    get = retrieve

    def update(self, message_id: str, *, thread_id: str, metadata: Optional[Metadata], **extra: Any) -> ThreadMessage:
        return self._call("messages/update", {"thread_id": thread_id, "message_id": message_id, "metadata": metadata, **extra})


class Runs(Namespace):
    _namespace = "runs"

    @overload
    def create(self, thread_id: str, *, assistant_id: str, stream: Literal[True], **run: Any) -> RunStream: ...
    @overload
    def create(self, thread_id: str, *, assistant_id: str, stream: Literal[False] = False, **run: Any) -> Run: ...
    def create(self, thread_id: str, *, assistant_id: str, model: Optional[str] = None, instructions: Optional[str] = None,
               additional_instructions: Optional[str] = None,
               additional_messages: Optional[Sequence[Mapping[str, Any]]] = None, tools: Optional[Tools] = None,
               metadata: Optional[Metadata] = None, temperature: Optional[float] = None, top_p: Optional[float] = None,
               top_k: Optional[int] = None, max_tokens: Optional[int] = None,
               truncation_strategy: Optional[Mapping[str, Any]] = None, tool_choice: Any = None, stream: bool = False,
               handle_tools: Optional[bool] = None, **extra: Any) -> Union[Run, RunStream]:
        """Start a run. With ``stream=True``, an iterator of ``(event, data)``; else the run.

        ``handle_tools=True`` has assistd call this client's registered tools (``@client.tool``)
        and submit their outputs itself, so the run goes on to its end without ``requires_action``.
        """
        params = {"thread_id": thread_id, "assistant_id": assistant_id, **run_fields(
            model, instructions, additional_instructions, additional_messages, tools, metadata, temperature,
            top_p, top_k, max_tokens, truncation_strategy, tool_choice, stream, handle_tools, **extra)}
        return self._stream("runs/create", params) if stream else self._call("runs/create", params)

    @overload
    def create_thread_and_run(self, *, assistant_id: str, thread: Optional[Mapping[str, Any]] = None,
                              stream: Literal[True], **run: Any) -> RunStream: ...
    @overload
    def create_thread_and_run(self, *, assistant_id: str, thread: Optional[Mapping[str, Any]] = None,
                              stream: Literal[False] = False, **run: Any) -> Run: ...
    def create_thread_and_run(self, *, assistant_id: str, thread: Optional[Mapping[str, Any]] = None,
                              model: Optional[str] = None, instructions: Optional[str] = None,
                              additional_instructions: Optional[str] = None, tools: Optional[Tools] = None,
                              metadata: Optional[Metadata] = None, temperature: Optional[float] = None,
                              top_p: Optional[float] = None, top_k: Optional[int] = None,
                              max_tokens: Optional[int] = None, truncation_strategy: Optional[Mapping[str, Any]] = None,
                              tool_choice: Any = None, stream: bool = False, handle_tools: Optional[bool] = None,
                              **extra: Any) -> Union[Run, RunStream]:
        params = {"assistant_id": assistant_id, **fields(thread=thread), **run_fields(
            model, instructions, additional_instructions, None, tools, metadata, temperature, top_p, top_k,
            max_tokens, truncation_strategy, tool_choice, stream, handle_tools, **extra)}
        rpc = "runs/createThreadAndRun"
        return self._stream(rpc, params) if stream else self._call(rpc, params)

    def list(self, thread_id: str, *, limit: Optional[int] = None, order: Optional[str] = None,
             after: Optional[str] = None, before: Optional[str] = None, **extra: Any) -> ListResult:
        return self._call("runs/list", fields(
            thread_id=thread_id, limit=limit, order=order, after=after, before=before, **extra))

    def retrieve(self, run_id: str, *, thread_id: str, **extra: Any) -> Run:
        return self._call("runs/retrieve", fields(thread_id=thread_id, run_id=run_id, **extra))

    get = retrieve

    def update(self, run_id: str, *, thread_id: str, metadata: Optional[Metadata], **extra: Any) -> Run:
        return self._call("runs/update", {"thread_id": thread_id, "run_id": run_id, "metadata": metadata, **extra})

    @overload
    def submit_tool_outputs(self, run_id: str, *, thread_id: str, tool_outputs: Sequence[Mapping[str, Any]],
                            stream: Literal[True], **extra: Any) -> RunStream: ...
    @overload
    def submit_tool_outputs(self, run_id: str, *, thread_id: str, tool_outputs: Sequence[Mapping[str, Any]],
                            stream: Literal[False] = False, **extra: Any) -> Run: ...
    def submit_tool_outputs(self, run_id: str, *, thread_id: str, tool_outputs: Sequence[Mapping[str, Any]],
                            stream: bool = False, handle_tools: Optional[bool] = None,
                            **extra: Any) -> Union[Run, RunStream]:
        """Hand in outputs for a run in ``requires_action``: ``[{"tool_call_id", "output"}]``."""
        params = fields(thread_id=thread_id, run_id=run_id, tool_outputs=tool_outputs,
                        stream=True if stream else None, handle_tools=handle_tools, **extra)
        rpc = "runs/submitToolOutputs"
        return self._stream(rpc, params) if stream else self._call(rpc, params)

    def wait(self, run_id: str, *, thread_id: str, timeout_seconds: Optional[float] = None, **extra: Any) -> Run:
        """Until the run is completed, failed, cancelled, expired or requires action."""
        timeout_ms = None if timeout_seconds is None else max(0, int(timeout_seconds * 1000))
        return self._call("runs/wait", fields(thread_id=thread_id, run_id=run_id, timeout_ms=timeout_ms, **extra))

    def cancel(self, run_id: str, *, thread_id: str, **extra: Any) -> Run:
        return self._call("runs/cancel", fields(thread_id=thread_id, run_id=run_id, **extra))

    def stream(self, thread_id: str, run_id: str, *, after_seq: Optional[int] = None, **extra: Any) -> RunStream:
        """Attach to the run's stream: its events after ``after_seq`` (all when None), then live ones
        until it ends. Each event's ``seq`` is its index in the run: resume with the last one seen."""
        return self._stream("runs/stream", fields(thread_id=thread_id, run_id=run_id, after_seq=after_seq, **extra))


class Steps(Namespace):
    _namespace = "steps"

    def list(self, run_id: str, *, thread_id: str, limit: Optional[int] = None, order: Optional[str] = None,
             after: Optional[str] = None, before: Optional[str] = None, **extra: Any) -> ListResult:
        return self._call("steps/list", fields(
            thread_id=thread_id, run_id=run_id, limit=limit, order=order, after=after, before=before, **extra))

    def retrieve(self, step_id: str, *, thread_id: str, run_id: str, **extra: Any) -> RunStep:
        return self._call("steps/retrieve", fields(thread_id=thread_id, run_id=run_id, step_id=step_id, **extra))

    get = retrieve
