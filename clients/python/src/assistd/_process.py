"""Finding and starting the assistd executable."""

from __future__ import annotations

import collections
import logging
import os
import shlex
import shutil
import subprocess
import sys
import threading
from typing import IO, Any, Deque, Dict, List, Mapping, Optional, Sequence

from ._errors import BinaryNotFoundError, ConnectionClosedError

server_logger = logging.getLogger("assistd.server")

#: Arguments that make assistd speak LSP framing on stdio; the client always passes them.
PROTOCOL_ARGS = ("--stdio", "--framing", "lsp")
#: Environment variable naming the executable (when ``binary=`` is not given).
BINARY_ENV = "ASSISTD_BIN"
#: Environment variable with extra arguments (shell syntax), used when ``args=`` is not given.
ARGS_ENV = "ASSISTD_ARGS"


def find_binary(binary: Optional[str] = None) -> str:
    """``binary`` if given, else ``$ASSISTD_BIN``, else ``assistd`` on ``PATH``."""
    candidate = binary or os.environ.get(BINARY_ENV)
    if candidate:
        resolved = shutil.which(candidate) if os.sep not in candidate else candidate
        if resolved and os.path.isfile(resolved) and os.access(resolved, os.X_OK):
            return resolved
        source = "binary=" if binary else "$" + BINARY_ENV
        raise BinaryNotFoundError("%s names %r, which is not an executable file" % (source, candidate))
    found = shutil.which("assistd")
    if found:
        return found
    raise BinaryNotFoundError(
        "assistd executable not found: pass binary=..., set %s, or put assistd on PATH" % BINARY_ENV)


def default_args() -> List[str]:
    return shlex.split(os.environ.get(ARGS_ENV, ""))


def command_line(binary: Optional[str], args: Optional[Sequence[str]]) -> List[str]:
    extra = list(args) if args is not None else default_args()
    return [find_binary(binary), *PROTOCOL_ARGS, *extra]


def popen_options(env: Optional[Mapping[str, str]] = None, new_session: bool = True) -> Dict[str, Any]:
    """The environment and session arguments both ways of starting assistd pass to ``Popen``.

    ``env`` is added to this process's environment. ``new_session`` keeps the child out of the
    terminal's process group, so Ctrl-C reaches only the Python program, which can then cancel
    its runs and shut assistd down in order.
    """
    options: Dict[str, Any] = {}
    if env is not None:
        environment = dict(os.environ)
        environment.update(env)
        options["env"] = environment
    if new_session:
        if sys.platform == "win32":  # pragma: no cover
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            options["start_new_session"] = True
    return options


def spawn(
    command: Sequence[str],
    *,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    stderr: Any = None,
    new_session: bool = True,
) -> subprocess.Popen:  # type: ignore[type-arg]
    """Start assistd with pipes on stdin/stdout (binary mode)."""
    return subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if stderr is None else stderr,
        cwd=cwd,
        **popen_options(env, new_session),
    )


def exit_error(pid: int, returncode: Optional[int], stderr_tail: str) -> ConnectionClosedError:
    """What the calls in flight learn when assistd went away: its exit status and last stderr lines."""
    status = "is still running" if returncode is None else "exited with status %d" % returncode
    message = "assistd (pid %d) %s" % (pid, status)
    if stderr_tail:
        message += "; its last stderr lines:\n" + stderr_tail
    return ConnectionClosedError(message, returncode, stderr_tail)


class StderrTail:
    """Drains a child's stderr (so it never blocks on a full pipe), keeping the last lines."""

    def __init__(self, stream: Optional[IO[bytes]], lines: int = 200) -> None:
        self._lines: Deque[str] = collections.deque(maxlen=lines)
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        if stream is not None:
            self._thread = threading.Thread(target=self._drain, args=(stream,), name="assistd-stderr", daemon=True)
            self._thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        try:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                with self._lock:
                    self._lines.append(line)
                server_logger.debug("%s", line)
        except (OSError, ValueError):
            pass
        finally:
            try:
                stream.close()
            except OSError:
                pass

    def feed(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)

    def text(self, last: int = 20) -> str:
        with self._lock:
            return "\n".join(list(self._lines)[-last:])

    def join(self, timeout: Optional[float] = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


def terminate(process: "subprocess.Popen[bytes]") -> None:
    """Kill a child that is still running (used by finalisers; never raises)."""
    try:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
    except Exception:
        pass
