"""What both clients share: their settings, their tools, and what ``initialize`` told them."""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ._errors import NoModelWarning
from ._objects import AssistdObject
from ._process import StderrTail, command_line
from ._tool_host import ToolHost
from ._version import __version__

CLIENT_NAME = "assistd-python"
#: This client answers ``tools/call`` (protocol/README.md, "Lifecycle": ``capabilities.tools.call``).
CLIENT_CAPABILITIES: Dict[str, Any] = {"tools": {"call": True}}


class ClientBase(ToolHost):
    def __init__(
        self,
        binary: Optional[str],
        args: Optional[Sequence[str]],
        *,
        initialization_options: Optional[Mapping[str, Any]],
        request_timeout: Optional[float],
        shutdown_timeout: float,
        client_name: str,
    ) -> None:
        super().__init__()
        self.command: List[str] = command_line(binary, args)
        self.request_timeout = request_timeout
        self.shutdown_timeout = shutdown_timeout
        self._client_name = client_name
        self._initialization_options = initialization_options
        self._stderr = StderrTail(None)
        self._closed = False
        self.initialized = False
        self.returncode: Optional[int] = None
        self.initialize_result: Optional[AssistdObject] = None

    def _initialize_params(self) -> Dict[str, Any]:
        params: Dict[str, Any] = {
            "processId": os.getpid(),
            "clientInfo": {"name": self._client_name, "version": __version__},
            "capabilities": CLIENT_CAPABILITIES,
        }
        if self._initialization_options is not None:
            params["initializationOptions"] = dict(self._initialization_options)
        return params

    def _warn_if_no_model(self) -> None:
        """Warn when ``initialize`` says the backend has no chat model (runs would fail): from
        ``backend.model_available == false`` when the server says it, else from a ``model``
        reported as ``"unavailable (…)"``."""
        problem = self.model_problem
        if problem is not None:
            warnings.warn(NoModelWarning("assistd's backend has no chat model: %s" % problem), stacklevel=4)

    @property
    def model_problem(self) -> Optional[str]:
        """Why the backend has no chat model, or None when it has one (or does not say)."""
        backend = self.backend
        if not isinstance(backend, dict):
            return None
        available = backend.get("model_available")
        model = backend.get("model")
        if available is False:
            problem = backend.get("model_problem")
            if isinstance(problem, dict):
                problem = problem.get("message") or problem.get("hint") or problem
            return str(problem or model or "model_available is false")
        if available is None and isinstance(model, str) and model.startswith("unavailable"):
            return model
        return None

    def _timeout(self, timeout: Optional[float]) -> Optional[float]:
        return self.request_timeout if timeout is None else timeout

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
    def closed(self) -> bool:
        return self._closed

    def stderr_tail(self, lines: int = 20) -> str:
        """The last lines assistd wrote to stderr (when the client keeps its stderr)."""
        return self._stderr.text(lines)
