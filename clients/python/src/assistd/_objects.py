"""The service's objects as light dicts with attribute access, like the SDK's typed objects.

Every JSON object that comes back is an :class:`AssistdObject` (a ``dict``): ``run.status`` and
``run["status"]`` are the same; ``to_dict()`` gives plain dicts. The class follows the ``object``
field (``"thread.run"`` -> :class:`Run`) so ``isinstance`` checks read naturally.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Type


class AssistdObject(Dict[str, Any]):
    """A JSON object whose keys are also attributes. Missing keys raise ``AttributeError``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError("%s has no field %r" % (type(self).__name__, name)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, dict.__repr__(self))

    def to_dict(self) -> Dict[str, Any]:
        """A deep copy made of plain ``dict`` and ``list``."""
        return _plain(self)

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self, **kwargs)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Assistant(AssistdObject):
    __slots__ = ()


class AssistantFile(AssistdObject):
    __slots__ = ()


class Thread(AssistdObject):
    __slots__ = ()


class ThreadMessage(AssistdObject):
    __slots__ = ()


class ThreadMessageDelta(AssistdObject):
    __slots__ = ()


class MessageFile(AssistdObject):
    __slots__ = ()


class Run(AssistdObject):
    __slots__ = ()


class RunStep(AssistdObject):
    __slots__ = ()


class RunStepDelta(AssistdObject):
    __slots__ = ()


class DeletionStatus(AssistdObject):
    __slots__ = ()


class ListResult(AssistdObject):
    """A page: ``data``, ``first_id``, ``last_id``, ``has_more``."""

    __slots__ = ()


OBJECT_CLASSES: Dict[str, Type[AssistdObject]] = {
    "assistant": Assistant,
    "assistant.file": AssistantFile,
    "assistant.deleted": DeletionStatus,
    "assistant.file.deleted": DeletionStatus,
    "thread": Thread,
    "thread.deleted": DeletionStatus,
    "thread.message": ThreadMessage,
    "thread.message.delta": ThreadMessageDelta,
    "thread.message.file": MessageFile,
    "thread.run": Run,
    "thread.run.step": RunStep,
    "thread.run.step.delta": RunStepDelta,
    "list": ListResult,
}


def make_object(pairs: Dict[str, Any]) -> AssistdObject:
    """``json`` object hook: pick the class from the ``object`` field."""
    kind = pairs.get("object")
    cls: Type[AssistdObject] = AssistdObject
    if isinstance(kind, str):
        cls = OBJECT_CLASSES.get(kind, AssistdObject)
    obj = cls()
    obj.update(pairs)
    return obj


def parse_json(text: "str | bytes") -> Any:
    """Parse JSON text into :class:`AssistdObject` trees."""
    return json.loads(text, object_hook=make_object)


def wrap(value: Any) -> Any:
    """Turn plain dicts (e.g. built by hand) into :class:`AssistdObject` trees."""
    if isinstance(value, dict):
        return make_object({k: wrap(v) for k, v in value.items()})
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def object_text(message: Any) -> str:
    """The text of a message or message delta: its ``text`` content parts joined."""
    content: Optional[Any] = None
    if isinstance(message, dict):
        content = message.get("content")
        delta = message.get("delta")
        if content is None and isinstance(delta, dict):
            content = delta.get("content")
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return ""
    parts = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "text":
            text = part.get("text")
            if isinstance(text, dict) and isinstance(text.get("value"), str):
                parts.append(text["value"])
            elif isinstance(text, str):
                parts.append(text)
    return "".join(parts)
