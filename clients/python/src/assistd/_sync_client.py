"""The thread-based client: starts assistd, runs the lifecycle, exposes the API."""

from __future__ import annotations

import subprocess
import threading
import weakref
from typing import Any, Callable, Mapping, Optional, Sequence

from . import _process as proc_util
from ._client_base import CLIENT_NAME, ClientBase
from ._errors import AssistdError, ConnectionClosedError
from ._messages import TOOLS_CALL
from ._methods import stream_request
from ._objects import AssistdObject
from ._sync_connection import Connection
from ._sync_resources import Assistants, Messages, Runs, Steps, Threads
from ._sync_streams import RunStream


def weakly(method: Callable[..., Any], when_gone: Callable[[], Any]) -> Callable[..., Any]:
    """A callable that calls ``method`` without keeping its object alive.

    The connection's threads hold their callbacks; strong references would keep a dropped
    client (and its process) alive until the interpreter exits.
    """
    ref = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        target = ref()
        if target is None:
            return when_gone()
        return target(*args, **kwargs)

    return call


def _dropped_client_error() -> ConnectionClosedError:
    return ConnectionClosedError("the client was dropped without close()")


class Client(ClientBase):
    """A connection to an assistd process that this client starts and owns.

    ``binary``: the executable (default ``$ASSISTD_BIN``, then ``assistd`` on ``PATH``).
    ``args``: extra arguments, e.g. ``["--backend", "local", "--ephemeral"]`` (default
    ``$ASSISTD_ARGS``, split like a shell). ``stderr``: where assistd's log goes (default:
    kept in memory, the last lines shown when it dies; ``subprocess.DEVNULL``, a file…).
    ``request_timeout``: seconds any call may take before it is cancelled (default: none).
    """

    def __init__(
        self,
        binary: Optional[str] = None,
        args: Optional[Sequence[str]] = None,
        *,
        env: Optional[Mapping[str, str]] = None,
        cwd: Optional[str] = None,
        stderr: Any = None,
        initialization_options: Optional[Mapping[str, Any]] = None,
        initialize: bool = True,
        request_timeout: Optional[float] = None,
        shutdown_timeout: float = 10.0,
        max_tool_workers: int = 8,
        client_name: str = CLIENT_NAME,
    ) -> None:
        super().__init__(binary, args, initialization_options=initialization_options, request_timeout=request_timeout,
                         shutdown_timeout=shutdown_timeout, client_name=client_name)
        self._close_lock = threading.Lock()
        self.assistants = Assistants(self)
        self.threads = Threads(self)
        self.messages = Messages(self)
        self.runs = Runs(self)
        self.steps = Steps(self)

        self._process = proc_util.spawn(self.command, env=env, cwd=cwd, stderr=stderr)
        self._finalizer = weakref.finalize(self, proc_util.terminate, self._process)
        self._stderr = proc_util.StderrTail(self._process.stderr if stderr is None else None)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._connection = Connection(
            self._process.stdout, self._process.stdin, max_workers=max_tool_workers,  # type: ignore[arg-type]
            describe_close=weakly(self._describe_exit, _dropped_client_error))
        self._connection.set_request_handler(TOOLS_CALL, weakly(self._run_tool_call, _dropped_client_error))
        if initialize:
            try:
                self.initialize()
            except BaseException:
                self.close()
                raise

    # --- lifecycle ---

    def initialize(self) -> AssistdObject:
        """``initialize`` then ``initialized``. Done by the constructor unless ``initialize=False``."""
        result = self._connection.request("initialize", self._initialize_params(), self.request_timeout)
        self.initialize_result = result
        self._warn_if_no_model()
        self._connection.notify("initialized", {})
        self.initialized = True
        return result

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        return self._process

    def close(self, timeout: Optional[float] = None) -> Optional[int]:
        """``shutdown`` + ``exit``, then wait for the process (killed after ``timeout``). Idempotent.

        Returns the exit status (0 after a clean shutdown).
        """
        with self._close_lock:
            if self._closed:
                return self.returncode
            self._closed = True
        limit = self.shutdown_timeout if timeout is None else timeout
        connection = self._connection
        if not connection.closed:
            try:
                if self.initialized:
                    connection.request("shutdown", None, limit)
                connection.notify("exit", None)
            except AssistdError:
                pass  # it is going away either way; the wait below settles it
        connection.close_output()
        try:
            self.returncode = self._process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self.returncode = self._process.wait()
        connection.fail(ConnectionClosedError("the client is closed", self.returncode))
        connection.join(limit)
        self._stderr.join(limit)
        self._finalizer.detach()
        return self.returncode

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _describe_exit(self) -> ConnectionClosedError:
        try:
            returncode: Optional[int] = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            returncode = None
        self._stderr.join(0.5)
        return proc_util.exit_error(self._process.pid, returncode, self._stderr.text())

    # --- calls ---

    def request(self, method: str, params: Any = None, *, timeout: Optional[float] = None) -> Any:
        """Send any JSON-RPC request and wait for its result."""
        return self._connection.request(method, params, self._timeout(timeout))

    def stream(self, method: str, params: Mapping[str, Any], *, timeout: Optional[float] = None) -> RunStream:
        """Send a streaming request (``stream: true`` is added, except to ``runs/stream``) and iterate its events."""
        sent, first_seq = stream_request(method, params)
        call = self._connection.start(method, sent, streaming=True, first_seq=first_seq)
        return RunStream(self._connection, call, self._timeout(timeout))

    def notify(self, method: str, params: Any = None) -> None:
        self._connection.notify(method, params)

    def on_notification(self, method: str, handler: Callable[[Any], None]) -> None:
        """Call ``handler(params)`` (on a pool thread) for each notification ``method`` from assistd."""
        self._connection.add_notification_handler(method, handler)

    def discover(self) -> AssistdObject:
        """``rpc.discover``: the OpenRPC document of the protocol."""
        return self.request("rpc.discover")
