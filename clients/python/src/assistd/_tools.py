"""Local Python functions as function tools.

``@tool`` (or ``@client.tool``) turns a function into a :class:`Tool`: it is still callable, and
``tool.definition`` is the ``{"type": "function", "function": {name, description, parameters}}``
entry that assistants and runs take. The JSON schema comes from the signature unless given:
type hints -> JSON Schema types, parameters with defaults -> not required, the docstring's first
paragraph -> description, its ``Args:`` section (or ``:param x:`` lines, or
``Annotated[int, "text"]``) -> per-parameter descriptions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import functools
import inspect
import json
import re
import typing
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union, overload

from ._errors import INVALID_PARAMS, METHOD_NOT_FOUND, ToolError

#: ``types.UnionType`` (the type of ``int | None``) on Python 3.10+, else None.
_UnionType: Any = getattr(__import__("types"), "UnionType", None)

_NONE_TYPE = type(None)
_SCALARS: Dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class Tool:
    """A function plus its function-tool definition. Calling the tool calls the function."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        parameters: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if not callable(func):
            raise TypeError("a tool must wrap a callable, got %r" % (func,))
        self.func = func
        self.name = name or getattr(func, "__name__", None) or ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.name):
            raise ValueError("tool name %r must be 1-64 letters, digits, '_' or '-'" % self.name)
        summary, param_docs = parse_docstring(inspect.getdoc(func) or "")
        self.description = description if description is not None else summary
        self.parameters: Dict[str, Any] = (
            dict(parameters) if parameters is not None else schema_from_signature(func, param_docs)
        )
        self.is_async = _is_async_callable(func)
        functools.update_wrapper(self, func)

    @property
    def definition(self) -> Dict[str, Any]:
        """The tool entry for ``tools=[...]`` of assistants and runs."""
        function: Dict[str, Any] = {"name": self.name}
        if self.description:
            function["description"] = self.description
        function["parameters"] = self.parameters
        return {"type": "function", "function": function}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return "Tool(%r)" % self.name

    def bind_arguments(self, arguments: "str | Mapping[str, Any] | None") -> Dict[str, Any]:
        """Parse a tool call's ``arguments`` (JSON text) into keyword arguments for the function."""
        if arguments is None or arguments == "":
            return {}
        if isinstance(arguments, str):
            try:
                parsed = json.loads(arguments)
            except ValueError as error:
                raise ToolError("arguments of %s are not valid JSON: %s" % (self.name, error), INVALID_PARAMS) from None
        else:
            parsed = arguments
        if not isinstance(parsed, dict):
            raise ToolError("arguments of %s must be a JSON object, got %s" % (self.name, type(parsed).__name__), INVALID_PARAMS)
        return dict(parsed)


def _is_async_callable(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return asyncio.iscoroutinefunction(func) or asyncio.iscoroutinefunction(getattr(func, "__call__", None))


ToolFunction = Callable[..., Any]


@overload
def tool(func: ToolFunction) -> Tool: ...
@overload
def tool(
    func: None = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    parameters: Optional[Mapping[str, Any]] = None,
) -> Callable[[ToolFunction], Tool]: ...
def tool(
    func: Optional[ToolFunction] = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    parameters: Optional[Mapping[str, Any]] = None,
) -> "Tool | Callable[[ToolFunction], Tool]":
    """Decorator: ``@tool`` or ``@tool(name=..., description=..., parameters={...})``."""
    if func is not None:
        return Tool(func, name=name, description=description, parameters=parameters)

    def decorate(f: ToolFunction) -> Tool:
        return Tool(f, name=name, description=description, parameters=parameters)

    return decorate


class ToolRegistry:
    """Tools by name, as the client answers ``tools/call`` with them."""

    def __init__(self) -> None:
        self._tools: Dict[str, Tool] = {}

    def add(self, item: "Tool | ToolFunction") -> Tool:
        t = item if isinstance(item, Tool) else Tool(item)
        self._tools[t.name] = t
        return t

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    def get(self, name: str) -> Optional[Tool]:
        return self._tools.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> "typing.Iterator[Tool]":
        return iter(list(self._tools.values()))

    def __len__(self) -> int:
        return len(self._tools)

    def definitions(self) -> List[Dict[str, Any]]:
        return [t.definition for t in self._tools.values()]

    def resolve_call(self, params: Any) -> Tuple[Tool, Dict[str, Any]]:
        """Find the tool and keyword arguments of a ``tools/call`` request's params."""
        if not isinstance(params, dict):
            raise ToolError("tools/call params must be an object", INVALID_PARAMS)
        call = params.get("tool_call")
        if not isinstance(call, dict):
            raise ToolError("tools/call params lack tool_call", INVALID_PARAMS)
        kind = call.get("type") or "function"
        if kind == "function":
            function = call.get("function")
            if not isinstance(function, dict) or not isinstance(function.get("name"), str):
                raise ToolError("tools/call params lack tool_call.function.name", INVALID_PARAMS)
            name, arguments = function["name"], function.get("arguments")
        else:
            # A built-in tool type the backend cannot run (search, text_to_image…), in the
            # service's shape {"type": T, T: {"arguments", "output"}}: the tool named T runs it.
            body = call.get(kind)
            name, arguments = str(kind), body.get("arguments") if isinstance(body, dict) else None
        found = self._tools.get(name)
        if found is None:
            raise ToolError("no tool named %r is registered in this client" % name, METHOD_NOT_FOUND, {"name": name})
        if kind != "function" and isinstance(arguments, str) and not arguments.lstrip().startswith("{"):
            return found, {"input": arguments}  # plain text for a built-in tool's single input
        return found, found.bind_arguments(arguments)


def output_text(value: Any) -> str:
    """A tool's return value as the ``output`` string: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=json_default)


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for what tools and params commonly hold."""
    if isinstance(value, Tool):
        return value.definition
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


# --- schema derivation -------------------------------------------------------------------


def schema_from_signature(func: Callable[..., Any], param_docs: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The ``parameters`` JSON schema (an object schema) of a function's signature."""
    signature = inspect.signature(func)
    hints = _type_hints(func)
    docs = dict(param_docs or {})
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError("tool %s: positional-only parameter %r cannot come from JSON arguments" % (func, parameter.name))
        annotation = hints.get(parameter.name, parameter.annotation)
        schema = schema_for_type(annotation)
        description = docs.get(parameter.name)
        if description and "description" not in schema:
            schema["description"] = description
        if parameter.default is parameter.empty:
            required.append(parameter.name)
        elif _is_json_value(parameter.default):
            schema["default"] = parameter.default
        properties[parameter.name] = schema
    result: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    return result


def _type_hints(func: Callable[..., Any]) -> Dict[str, Any]:
    target: Any = func
    if not inspect.isfunction(func) and not inspect.ismethod(func) and not isinstance(func, functools.partial):
        target = getattr(func, "__call__", func)  # a callable object: read its __call__
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        pass
    # Some annotation cannot be resolved (e.g. ``int | None`` text on Python 3.9): resolve the
    # others one by one; the rest stay text and are read by _schema_for_name.
    hints: Dict[str, Any] = {}
    namespace = getattr(inspect.unwrap(target), "__globals__", {})
    for name, annotation in getattr(target, "__annotations__", {}).items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, dict(namespace))  # noqa: S307 - the function's own annotations
            except Exception:
                pass
        hints[name] = annotation
    return hints


def _is_json_value(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def schema_for_type(annotation: Any) -> Dict[str, Any]:
    """JSON Schema for one Python type hint. Unknown or missing hints give ``{}`` (any value)."""
    schema: Dict[str, Any]
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    if isinstance(annotation, str):
        return _schema_for_name(annotation)
    if annotation is None or annotation is _NONE_TYPE:
        return {"type": "null"}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        schema = schema_for_type(args[0])
        for extra in args[1:]:
            if isinstance(extra, str) and "description" not in schema:
                schema["description"] = extra
            elif isinstance(extra, dict):
                schema.update(extra)
        return schema
    if origin is Union or (_UnionType is not None and origin is _UnionType):
        members = [a for a in args if a is not _NONE_TYPE]
        if len(members) == 1:
            return schema_for_type(members[0])
        schemas = [schema_for_type(a) for a in members]
        if all(set(s) == {"type"} and isinstance(s["type"], str) for s in schemas):
            return {"type": [s["type"] for s in schemas]}
        return {"anyOf": schemas}
    if origin is typing.Literal:
        values = list(args)
        schema = {"enum": values}
        kinds = {_SCALARS.get(type(v)) for v in values}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        values = [m.value for m in annotation]
        schema = {"enum": values}
        kinds = {_SCALARS.get(type(v)) for v in values}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        return schema
    sequence_origin = origin if origin is not None else annotation
    if sequence_origin in (list, set, frozenset) or _is_abc(sequence_origin, ("Sequence", "MutableSequence", "Iterable", "Collection", "Set", "MutableSet")):
        schema = {"type": "array"}
        if args:
            schema["items"] = schema_for_type(args[0])
        if sequence_origin in (set, frozenset) or _is_abc(sequence_origin, ("Set", "MutableSet")):
            schema["uniqueItems"] = True
        return schema
    if sequence_origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": schema_for_type(args[0])}
        if args and args != ((),):
            return {"type": "array", "prefixItems": [schema_for_type(a) for a in args], "minItems": len(args), "maxItems": len(args)}
        return {"type": "array"}
    if sequence_origin is dict or _is_abc(sequence_origin, ("Mapping", "MutableMapping")):
        schema = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            schema["additionalProperties"] = schema_for_type(args[1])
        return schema
    if _is_typed_dict(annotation):
        return _typed_dict_schema(annotation)
    if inspect.isclass(annotation) and dataclasses.is_dataclass(annotation):
        return _dataclass_schema(annotation)
    return {}


def _is_abc(value: Any, names: Iterable[str]) -> bool:
    import collections.abc as abc

    return any(value is getattr(abc, n) for n in names)


def _schema_for_name(text: str) -> Dict[str, Any]:
    """Best effort for annotations left as text (unresolvable forward references)."""
    cleaned = text.replace(" ", "").strip("'\"")
    optional = re.fullmatch(r"(?:Optional\[(.+)\]|(.+)\|None|None\|(.+))", cleaned)
    if optional:
        cleaned = next(g for g in optional.groups() if g)
    simple = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
    if cleaned in simple:
        return {"type": simple[cleaned]}
    match = re.fullmatch(r"(?:list|List|Sequence)\[(\w+)\]", cleaned)
    if match:
        item = simple.get(match.group(1))
        return {"type": "array", "items": {"type": item}} if item else {"type": "array"}
    if re.fullmatch(r"(?:list|List|Sequence)", cleaned):
        return {"type": "array"}
    if re.fullmatch(r"(?:dict|Dict|Mapping)(?:\[.*\])?", cleaned):
        return {"type": "object"}
    return {}


def _is_typed_dict(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, dict) and hasattr(annotation, "__annotations__") and hasattr(annotation, "__total__")


def _typed_dict_schema(annotation: Any) -> Dict[str, Any]:
    hints = typing.get_type_hints(annotation)
    required_keys = getattr(annotation, "__required_keys__", set(hints) if annotation.__total__ else set())
    schema: Dict[str, Any] = {"type": "object", "properties": {k: schema_for_type(v) for k, v in hints.items()}}
    required = [k for k in hints if k in required_keys]
    if required:
        schema["required"] = required
    return schema


def _dataclass_schema(annotation: Any) -> Dict[str, Any]:
    hints = typing.get_type_hints(annotation)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for field in dataclasses.fields(annotation):
        properties[field.name] = schema_for_type(hints.get(field.name, Any))
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            required.append(field.name)
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


# --- docstrings --------------------------------------------------------------------------

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|See Also)\s*:?\s*$", re.I)
_SPHINX_PARAM = re.compile(r"^:param\s+(?:[\w\[\], .|]+\s+)?(\w+)\s*:\s*(.*)$")
_GOOGLE_PARAM = re.compile(r"^(\*{0,2}\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")


def parse_docstring(doc: str) -> Tuple[str, Dict[str, str]]:
    """The summary (first paragraph, joined onto one line) and per-parameter descriptions.

    Understands Google style (``Args:`` then ``name (type): text``), NumPy style
    (``Parameters`` / ``----------`` / ``name : type`` then indented text) and Sphinx style
    (``:param name: text``).
    """
    lines = inspect.cleandoc(doc).splitlines() if doc else []
    summary_lines: List[str] = []
    index = 0
    while index < len(lines) and lines[index].strip():
        line = lines[index].strip()
        if _SECTION.match(line) or line.startswith(":"):
            break
        summary_lines.append(line)
        index += 1
    summary = " ".join(summary_lines)

    params: Dict[str, str] = {}
    section: Optional[str] = None
    current: Optional[str] = None
    numpy_style = False
    for raw in lines[index:]:
        stripped = raw.strip()
        sphinx = _SPHINX_PARAM.match(stripped)
        if sphinx:
            current = sphinx.group(1)
            params[current] = sphinx.group(2).strip()
            section = "sphinx"
            continue
        if stripped.startswith(":"):
            section, current = None, None
            continue
        if _SECTION.match(stripped):
            name = _SECTION.match(stripped).group(1).lower()  # type: ignore[union-attr]
            section = "params" if name in ("args", "arguments", "parameters", "params") else "other"
            current = None
            numpy_style = False
            continue
        if section == "params" and set(stripped) == {"-"}:
            numpy_style = True
            continue
        if not stripped:
            current = None if section != "params" else current
            continue
        if section == "params":
            indent = len(raw) - len(raw.lstrip())
            if numpy_style:
                if indent == 0:
                    name = stripped.split(":")[0].strip()
                    current = name if name.isidentifier() else None
                    if current:
                        params[current] = ""
                elif current:
                    params[current] = (params[current] + " " + stripped).strip()
                continue
            google = _GOOGLE_PARAM.match(stripped)
            if google and indent <= _param_indent(lines, index):
                current = google.group(1).lstrip("*")
                params[current] = google.group(3).strip()
            elif current:
                params[current] = (params[current] + " " + stripped).strip()
        elif section == "sphinx" and current and raw[:1].isspace():
            params[current] = (params[current] + " " + stripped).strip()
    return summary, params


def _param_indent(lines: List[str], start: int) -> int:
    """Indent of the first entry under an ``Args:`` header (continuation lines go deeper)."""
    in_params = False
    for raw in lines[start:]:
        stripped = raw.strip()
        match = _SECTION.match(stripped)
        if match:
            in_params = match.group(1).lower() in ("args", "arguments", "parameters", "params")
            continue
        if in_params and stripped:
            return len(raw) - len(raw.lstrip())
    return 0
