"""Python client for assistd: the DashScope Assistant API over JSON-RPC on stdio.

    from assistd import Client

    with Client() as client:
        assistant = client.assistants.create(model="qwen-max", name="Art Maestro")
        thread = client.threads.create()
        client.messages.create(thread.id, content="Draw a picture of a ragdoll cat.")
        for event, data in client.runs.create(thread.id, assistant_id=assistant.id, stream=True):
            print(event, data)

``AsyncClient`` is the asyncio flavour (``async with``, ``await``, ``async for``).
"""

from ._version import __version__
from ._errors import (
    AssistdError,
    AssistdTimeoutError,
    AuthenticationError,
    BinaryNotFoundError,
    CancelledError,
    ConflictError,
    ConnectionClosedError,
    InternalError,
    InvalidParamsError,
    InvalidRequestError,
    MethodNotFoundError,
    NoModelWarning,
    NotFoundError,
    NotInitializedError,
    ParseError,
    ProtocolError,
    RateLimitError,
    RequestCancelledError,
    RunFailedError,
    RunIncompleteWarning,
    ServerError,
    ToolError,
    UnsupportedError,
    UpstreamError,
)
from ._methods import METHODS, MethodSpec
from ._objects import (
    Assistant,
    AssistantFile,
    AssistdObject,
    DeletionStatus,
    ListResult,
    MessageFile,
    Run,
    RunStep,
    RunStepDelta,
    Thread,
    ThreadMessage,
    ThreadMessageDelta,
    object_text,
)
from ._sync_client import Client
from ._sync_streams import RunStream
from ._tools import Tool, tool
from .aio import AsyncClient, AsyncRunStream

__all__ = [
    "__version__",
    "Client",
    "AsyncClient",
    "RunStream",
    "AsyncRunStream",
    "Tool",
    "tool",
    "METHODS",
    "MethodSpec",
    "object_text",
    "AssistdObject",
    "Assistant",
    "AssistantFile",
    "Thread",
    "ThreadMessage",
    "ThreadMessageDelta",
    "MessageFile",
    "Run",
    "RunStep",
    "RunStepDelta",
    "DeletionStatus",
    "ListResult",
    "AssistdError",
    "ServerError",
    "ParseError",
    "InvalidRequestError",
    "MethodNotFoundError",
    "InvalidParamsError",
    "InternalError",
    "NotInitializedError",
    "RequestCancelledError",
    "CancelledError",
    "NotFoundError",
    "AuthenticationError",
    "RateLimitError",
    "UpstreamError",
    "ConflictError",
    "UnsupportedError",
    "ConnectionClosedError",
    "ProtocolError",
    "AssistdTimeoutError",
    "BinaryNotFoundError",
    "ToolError",
    "RunFailedError",
    "RunIncompleteWarning",
    "NoModelWarning",
]
