"""The asyncio client: ``async with AsyncClient(...) as client: ...``."""

from __future__ import annotations

import asyncio
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence

from . import _process as proc_util
from ._async_connection import AsyncConnection
from ._async_resources import Assistants, Messages, Runs, Steps, Threads
from ._async_streams import AsyncRunStream
from ._client_base import CLIENT_NAME, ClientBase
from ._errors import AssistdError, ConnectionClosedError
from ._messages import TOOLS_CALL
from ._methods import stream_request
from ._objects import AssistdObject


class AsyncClient(ClientBase):
    """The asyncio flavour of :class:`assistd.Client`; the same arguments and namespaces.

    Start it with ``async with AsyncClient(...) as client`` or ``await client.start()``.
    Tools may be ``async def`` (awaited on the loop) or plain functions (run in a thread pool).
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
        self._env = env
        self._cwd = cwd
        self._stderr_target = stderr
        self._auto_initialize = initialize
        self._max_tool_workers = max_tool_workers
        self._process: Optional[asyncio.subprocess.Process] = None
        self._connection: Optional[AsyncConnection] = None
        self._stderr_task: Optional["asyncio.Task[None]"] = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self._finalizer: "Optional[weakref.finalize[Any, Any]]" = None
        self.assistants = Assistants(self)
        self.threads = Threads(self)
        self.messages = Messages(self)
        self.runs = Runs(self)
        self.steps = Steps(self)

    # --- lifecycle ---

    async def start(self) -> "AsyncClient":
        """Start assistd and (unless ``initialize=False``) run ``initialize``."""
        if self._process is not None:
            return self
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE if self._stderr_target is None else self._stderr_target,
            cwd=self._cwd,
            **proc_util.popen_options(self._env),
        )
        self._finalizer = weakref.finalize(self, _terminate, self._process)
        if self._stderr_target is None and self._process.stderr is not None:
            self._stderr_task = asyncio.get_running_loop().create_task(self._drain_stderr(self._process.stderr))
        self._pool = ThreadPoolExecutor(max_workers=self._max_tool_workers, thread_name_prefix="assistd-tool")
        assert self._process.stdout is not None and self._process.stdin is not None
        self._connection = AsyncConnection(
            self._process.stdout, self._process.stdin, describe_close=self._weak_describe_exit())
        self._connection.set_request_handler(TOOLS_CALL, self._weak_tool_handler())
        if self._auto_initialize:
            try:
                await self.initialize()
            except BaseException:
                await self.close()
                raise
        return self

    async def initialize(self) -> AssistdObject:
        result = await self._conn.request("initialize", self._initialize_params(), self.request_timeout)
        self.initialize_result = result
        self._warn_if_no_model()
        self._conn.notify("initialized", {})
        await self._conn.drain()
        self.initialized = True
        return result

    @property
    def _conn(self) -> AsyncConnection:
        if self._connection is None:
            raise AssistdError("the client is not started: use 'async with AsyncClient(...)' or 'await client.start()'")
        return self._connection

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process is not None else None

    @property
    def process(self) -> Optional[asyncio.subprocess.Process]:
        return self._process

    async def close(self, timeout: Optional[float] = None) -> Optional[int]:
        """``shutdown`` + ``exit``, wait for the process (killed after ``timeout``). Idempotent."""
        if self._closed:
            return self.returncode
        self._closed = True
        process, connection = self._process, self._connection
        if process is None or connection is None:
            return None
        limit = self.shutdown_timeout if timeout is None else timeout
        if not connection.closed:
            try:
                if self.initialized:
                    await connection.request("shutdown", None, limit)
                connection.notify("exit", None)
                await connection.drain()
            except AssistdError:
                pass
        connection.close_output()
        try:
            self.returncode = await asyncio.wait_for(process.wait(), limit)
        except asyncio.TimeoutError:
            process.kill()
            self.returncode = await process.wait()
        connection.fail(ConnectionClosedError("the client is closed", self.returncode))
        await connection.join(limit)
        if self._stderr_task is not None:
            try:
                await asyncio.wait_for(self._stderr_task, limit)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._finalizer is not None:
            self._finalizer.detach()
        return self.returncode

    async def __aenter__(self) -> "AsyncClient":
        return await self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        pending = b""
        try:
            while True:
                chunk = await stream.read(65536)
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    text = line.decode("utf-8", errors="replace").rstrip("\r")
                    self._stderr.feed(text)
                    proc_util.server_logger.debug("%s", text)
        except (OSError, ValueError):
            pass
        if pending:
            self._stderr.feed(pending.decode("utf-8", errors="replace"))

    # The reader task holds these; weak references let a dropped client be collected.
    def _weak_describe_exit(self) -> Callable[[str], Awaitable[ConnectionClosedError]]:
        ref = weakref.ref(self)

        async def describe(reason: str) -> ConnectionClosedError:
            client = ref()
            if client is None:
                return ConnectionClosedError(reason + "; the client was dropped without close()")
            return await client._describe_exit(reason)

        return describe

    def _weak_tool_handler(self) -> Callable[[Any], Awaitable[Dict[str, str]]]:
        ref = weakref.ref(self)
        pool = self._pool

        async def handle(params: Any) -> Dict[str, str]:
            client = ref()
            if client is None:
                raise ConnectionClosedError("the client was dropped without close()")
            return await client._run_tool_call_async(params, executor=pool)

        return handle

    async def _describe_exit(self, reason: str) -> ConnectionClosedError:
        assert self._process is not None
        try:
            returncode: Optional[int] = await asyncio.wait_for(self._process.wait(), 2)
        except asyncio.TimeoutError:
            returncode = None
        if self._stderr_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._stderr_task), 0.5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
        error = proc_util.exit_error(self._process.pid, returncode, self._stderr.text())
        error.message = "%s; %s" % (reason, error.message)
        error.args = (error.message,)
        return error

    # --- calls ---

    async def request(self, method: str, params: Any = None, *, timeout: Optional[float] = None) -> Any:
        return await self._conn.request(method, params, self._timeout(timeout))

    async def stream(self, method: str, params: Mapping[str, Any], *, timeout: Optional[float] = None) -> AsyncRunStream:
        sent, first_seq = stream_request(method, params)
        call = self._conn.start(method, sent, streaming=True, first_seq=first_seq)
        await self._conn.drain()
        return AsyncRunStream(self._conn, call, self._timeout(timeout))

    async def notify(self, method: str, params: Any = None) -> None:
        self._conn.notify(method, params)
        await self._conn.drain()

    def on_notification(self, method: str, handler: Callable[[Any], Any]) -> None:
        """Call ``handler(params)`` (awaited if it is a coroutine function) for each such notification."""
        self._conn.add_notification_handler(method, handler)

    async def discover(self) -> AssistdObject:
        return await self.request("rpc.discover")


def _terminate(process: asyncio.subprocess.Process) -> None:
    """Finaliser: kill assistd if the client was dropped without ``close()``. Never raises."""
    try:
        if process.returncode is None:
            process.kill()
    except Exception:
        try:
            if process.returncode is None:
                os.kill(process.pid, 9)
        except Exception:
            pass
