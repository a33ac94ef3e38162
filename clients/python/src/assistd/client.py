"""The thread-based client: starts assistd, runs the lifecycle, exposes the API."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import subprocess
import threading
import weakref
from concurrent.futures import Executor
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union, overload

from . import process as proc_util
from ._version import __version__
from .connection import Connection
from .errors import AssistdError, ConnectionClosedError
from .objects import AssistdObject
from .protocol import TOOLS_CALL
from .resources import Assistants, Messages, Runs, Steps, Threads
from .streams import RunStream
from .tools import Tool, ToolFunction, ToolRegistry, output_text

CLIENT_NAME = "assistd-python"
#: This client answers ``tools/call`` (protocol/README.md, "Lifecycle": ``capabilities.tools.call``).
CLIENT_CAPABILITIES: Dict[str, Any] = {"tools": {"call": True}}


class ToolHost:
    """Registering tools (``@client.tool``) and answering ``tools/call`` with them."""

    def __init__(self) -> None:
        self._tools = ToolRegistry()

    @overload
    def tool(self, func: ToolFunction) -> Tool: ...
    @overload
    def tool(self, func: None = None, *, name: Optional[str] = None, description: Optional[str] = None,
             parameters: Optional[Mapping[str, Any]] = None) -> Callable[[ToolFunction], Tool]: ...
    def tool(self, func: Optional[ToolFunction] = None, *, name: Optional[str] = None,
             description: Optional[str] = None, parameters: Optional[Mapping[str, Any]] = None
             ) -> Union[Tool, Callable[[ToolFunction], Tool]]:
        """Register a function as a tool this client runs: ``@client.tool`` or ``@client.tool(name=...)``.

        The schema comes from the signature and docstring unless ``parameters`` is given.
        Returns a :class:`Tool`: still callable; ``.definition`` goes in ``tools=[...]``.
        """
        def register(f: Union[ToolFunction, Tool]) -> Tool:
            if isinstance(f, Tool) and name is None and description is None and parameters is None:
                return self._tools.add(f)
            inner = f.func if isinstance(f, Tool) else f
            return self._tools.add(Tool(inner, name=name, description=description, parameters=parameters))

        return register(func) if func is not None else register

    def add_tool(self, item: Union[Tool, ToolFunction]) -> Tool:
        return self._tools.add(item)

    def remove_tool(self, name: str) -> None:
        self._tools.remove(name)

    @property
    def registered_tools(self) -> List[Tool]:
        return list(self._tools)

    def tool_definitions(self) -> List[Dict[str, Any]]:
        """The ``{"type": "function", ...}`` entries of every registered tool."""
        return self._tools.definitions()

    def _run_tool_call(self, params: Any) -> Dict[str, str]:
        found, arguments = self._tools.resolve_call(params)
        value = found.func(**arguments)
        if inspect.isawaitable(value):  # an async tool in the thread-based client
            value = asyncio.run(_await(value))
        return {"output": output_text(value)}

    async def _run_tool_call_async(self, params: Any, executor: Optional[Executor] = None) -> Dict[str, str]:
        """The asyncio way: ``async def`` tools on the loop, plain ones in ``executor``."""
        found, arguments = self._tools.resolve_call(params)
        if found.is_async:
            value = await found.func(**arguments)
        else:
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(executor, functools.partial(found.func, **arguments))
            if inspect.isawaitable(value):
                value = await value
        return {"output": output_text(value)}


async def _await(awaitable: Any) -> Any:
    return await awaitable


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


class Client(ToolHost):
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
        super().__init__()
        self.command: List[str] = proc_util.command_line(binary, args)
        self.request_timeout = request_timeout
        self.shutdown_timeout = shutdown_timeout
        self._client_name = client_name
        self._initialization_options = initialization_options
        self._close_lock = threading.Lock()
        self._closed = False
        self.initialized = False
        self.returncode: Optional[int] = None
        self.initialize_result: Optional[AssistdObject] = None

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
        params: Dict[str, Any] = {
            "processId": os.getpid(),
            "clientInfo": {"name": self._client_name, "version": __version__},
            "capabilities": CLIENT_CAPABILITIES,
        }
        if self._initialization_options is not None:
            params["initializationOptions"] = dict(self._initialization_options)
        result = self._connection.request("initialize", params, self.request_timeout)
        self.initialize_result = result
        self._connection.notify("initialized", {})
        self.initialized = True
        return result

    @property
    def server_info(self) -> Optional[AssistdObject]:
        return self._result_field("serverInfo")

    @property
    def backend(self) -> Optional[AssistdObject]:
        """Which backend assistd uses (``backend.name``: ``"local"`` or ``"dashscope"``)."""
        return self._result_field("backend")

    @property
    def capabilities(self) -> Optional[AssistdObject]:
        return self._result_field("capabilities")

    @property
    def protocol_version(self) -> Optional[str]:
        return self._result_field("protocolVersion")

    def _result_field(self, key: str) -> Any:
        return self.initialize_result.get(key) if isinstance(self.initialize_result, dict) else None

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def process(self) -> "subprocess.Popen[bytes]":
        return self._process

    @property
    def closed(self) -> bool:
        return self._closed

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines assistd wrote to stderr (when the client keeps its stderr)."""
        return self._stderr.text(lines)

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
        tail = self._stderr.text()
        status = "is still running" if returncode is None else "exited with status %d" % returncode
        message = "assistd (pid %d) %s" % (self._process.pid, status)
        if tail:
            message += "; its last stderr lines:\n" + tail
        return ConnectionClosedError(message, returncode, tail)

    # --- calls ---

    def request(self, method: str, params: Any = None, *, timeout: Optional[float] = None) -> Any:
        """Send any JSON-RPC request and wait for its result."""
        return self._connection.request(method, params, self.request_timeout if timeout is None else timeout)

    def stream(self, method: str, params: Mapping[str, Any], *, timeout: Optional[float] = None) -> RunStream:
        """Send a streaming request (``stream: true`` is added) and iterate its events."""
        call = self._connection.start(method, {**params, "stream": True}, streaming=True)
        return RunStream(self._connection, call, self.request_timeout if timeout is None else timeout)

    def notify(self, method: str, params: Any = None) -> None:
        self._connection.notify(method, params)

    def on_notification(self, method: str, handler: Callable[[Any], None]) -> None:
        """Call ``handler(params)`` (on a pool thread) for each notification ``method`` from assistd."""
        self._connection.add_notification_handler(method, handler)

    def discover(self) -> AssistdObject:
        """``rpc.discover``: the OpenRPC document of the protocol."""
        return self.request("rpc.discover")
