"""Exceptions. Server errors keep the JSON-RPC ``code``, ``message`` and ``data``."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

# JSON-RPC 2.0, LSP and assistd's application codes (protocol/README.md).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800
NOT_FOUND = -32010
UNAUTHENTICATED = -32011
RATE_LIMITED = -32012
UPSTREAM_FAILURE = -32013
CONFLICTING_STATE = -32014
UNSUPPORTED_BY_BACKEND = -32015


class AssistdError(Exception):
    """Base of every error this package raises.

    For errors the server answered, ``code`` is the JSON-RPC error code and ``data`` its
    ``data`` member (the service's ``status_code``, ``code``, ``message``, ``request_id``…).
    Errors raised by the client itself have ``code`` None.
    """

    code: Optional[int]

    def __init__(self, message: str, code: Optional[int] = None, data: Any = None, method: Optional[str] = None) -> None:
        self.code = code
        self.message = message
        self.data = data
        self.method = method
        super().__init__(message)

    def __str__(self) -> str:
        parts = []
        if self.method:
            parts.append(self.method)
        if self.code is not None:
            parts.append("[%d]" % self.code)
        parts.append(self.message)
        return " ".join(parts)

    def _data_field(self, key: str) -> Any:
        return self.data.get(key) if isinstance(self.data, dict) else None

    @property
    def param(self) -> Optional[str]:
        """The offending parameter of an invalid-params error (``data.param``)."""
        return self._data_field("param")

    @property
    def status_code(self) -> Optional[int]:
        """The service's HTTP-like status (``data.status_code``)."""
        return self._data_field("status_code")

    @property
    def request_id(self) -> Optional[str]:
        return self._data_field("request_id")

    @property
    def error_code(self) -> Optional[str]:
        """The service's own error code string (``data.code``, e.g. ``"InvalidParameter"``)."""
        return self._data_field("code")


class ServerError(AssistdError):
    """An error response from assistd whose code has no more specific class."""


class ParseError(ServerError):
    pass


class InvalidRequestError(ServerError):
    pass


class MethodNotFoundError(ServerError):
    pass


class InvalidParamsError(ServerError):
    pass


class InternalError(ServerError):
    pass


class NotInitializedError(ServerError):
    pass


class RequestCancelledError(ServerError):
    """The request was cancelled (JSON-RPC code -32800) before it finished."""


#: The brief's name for it; ``RequestCancelledError`` avoids a clash with ``asyncio.CancelledError``.
CancelledError = RequestCancelledError


class NotFoundError(ServerError):
    pass


class AuthenticationError(ServerError):
    pass


class RateLimitError(ServerError):
    pass


class UpstreamError(ServerError):
    pass


class ConflictError(ServerError):
    """The thread is busy with another run; ``active_run_id`` names it."""

    @property
    def active_run_id(self) -> Optional[str]:
        return self._data_field("active_run_id")


class UnsupportedError(ServerError):
    """The backend in use cannot do this (e.g. the hosted service has no run cancel)."""


class ConnectionClosedError(AssistdError):
    """assistd exited or its pipes closed; the call cannot complete."""

    def __init__(self, message: str, returncode: Optional[int] = None, stderr_tail: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class ProtocolError(AssistdError):
    """The peer broke the protocol: a bad frame, bad JSON, a gap in a stream's ``seq``…"""


class AssistdTimeoutError(AssistdError, TimeoutError):
    """A call did not get its answer in the time the caller allowed (it was cancelled)."""


class BinaryNotFoundError(AssistdError, FileNotFoundError):
    """No assistd executable: pass ``binary=``, set ``ASSISTD_BIN`` or put it on ``PATH``."""


class RunFailedError(AssistdError):
    """A streamed run ended ``failed`` or ``expired``: ``run``, ``status`` and ``last_error`` say how.

    Raised by ``text_deltas()`` and ``until_done()`` once the stream has ended, so a failed run
    never looks like an empty reply.
    """

    def __init__(self, run: Any) -> None:
        self.run = run
        self.status = run.get("status") if isinstance(run, dict) else None
        self.last_error = run.get("last_error") if isinstance(run, dict) else None
        detail = ""
        if isinstance(self.last_error, dict):
            detail = ": %s: %s" % (self.last_error.get("code"), self.last_error.get("message"))
        run_id = run.get("id") if isinstance(run, dict) else None
        super().__init__("run %s ended %s%s" % (run_id, self.status, detail or " (no last_error)"))


class RunIncompleteWarning(UserWarning):
    """A streamed run ended ``incomplete`` (e.g. ``max_tokens``): its reply was cut short.

    Warned by ``text_deltas()`` and ``until_done()``; ``run`` and ``incomplete_details`` say why.
    """

    def __init__(self, run: Any) -> None:
        self.run = run
        self.incomplete_details = run.get("incomplete_details") if isinstance(run, dict) else None
        reason = self.incomplete_details.get("reason") if isinstance(self.incomplete_details, dict) else None
        run_id = run.get("id") if isinstance(run, dict) else None
        super().__init__("run %s ended incomplete (reason: %s): its reply was cut short" % (run_id, reason))


class NoModelWarning(UserWarning):
    """``initialize`` says the backend has no chat model: runs will fail until one is installed."""


class ToolError(AssistdError):
    """Raise from a tool function to answer the ``tools/call`` with this code and message."""

    def __init__(self, message: str, code: int = INTERNAL_ERROR, data: Any = None) -> None:
        super().__init__(message, code, data)


ERROR_CLASSES: Dict[int, Type[ServerError]] = {
    PARSE_ERROR: ParseError,
    INVALID_REQUEST: InvalidRequestError,
    METHOD_NOT_FOUND: MethodNotFoundError,
    INVALID_PARAMS: InvalidParamsError,
    INTERNAL_ERROR: InternalError,
    NOT_INITIALIZED: NotInitializedError,
    REQUEST_CANCELLED: RequestCancelledError,
    NOT_FOUND: NotFoundError,
    UNAUTHENTICATED: AuthenticationError,
    RATE_LIMITED: RateLimitError,
    UPSTREAM_FAILURE: UpstreamError,
    CONFLICTING_STATE: ConflictError,
    UNSUPPORTED_BY_BACKEND: UnsupportedError,
}


def error_from_response(error: Any, method: Optional[str] = None) -> AssistdError:
    """Build the exception for a JSON-RPC ``error`` member."""
    if not isinstance(error, dict):
        return ProtocolError("malformed error member: %r" % (error,), method=method)
    code = error.get("code")
    message = error.get("message")
    if not isinstance(message, str):
        message = repr(message)
    data = error.get("data")
    if not isinstance(code, int) or isinstance(code, bool):
        return ProtocolError("error without an integer code: %s" % message, data=data, method=method)
    cls = ERROR_CLASSES.get(code, ServerError)
    return cls(message, code, data, method)
