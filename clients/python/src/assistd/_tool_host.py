"""Registering tools (``@client.tool``) and running them for ``tools/call``, in both flavours."""

from __future__ import annotations

import asyncio
import functools
import inspect
from concurrent.futures import Executor
from typing import Any, Callable, Dict, List, Mapping, Optional, Union, overload

from ._tools import Tool, ToolFunction, ToolRegistry, output_text


class ToolHost:
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
