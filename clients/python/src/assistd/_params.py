"""Named params as both flavours' resource methods build them."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

Tools = Sequence[Any]  # tool dicts, or Tool objects made with @tool
Metadata = Mapping[str, Any]


def fields(**values: Any) -> Dict[str, Any]:
    """Named params without the ``None`` ones."""
    return {k: v for k, v in values.items() if v is not None}


def run_fields(
    model: Optional[str] = None, instructions: Optional[str] = None, additional_instructions: Optional[str] = None,
    additional_messages: Optional[Sequence[Mapping[str, Any]]] = None, tools: Optional[Tools] = None,
    metadata: Optional[Metadata] = None, temperature: Optional[float] = None, top_p: Optional[float] = None,
    top_k: Optional[int] = None, max_tokens: Optional[int] = None, truncation_strategy: Optional[Mapping[str, Any]] = None,
    tool_choice: Any = None, stream: bool = False, handle_tools: Optional[bool] = None, **extra: Any,
) -> Dict[str, Any]:
    """The fields a run takes, shared by ``runs.create`` and ``runs.create_thread_and_run``."""
    return fields(
        model=model, instructions=instructions, additional_instructions=additional_instructions,
        additional_messages=additional_messages, tools=tools, metadata=metadata, temperature=temperature,
        top_p=top_p, top_k=top_k, max_tokens=max_tokens, truncation_strategy=truncation_strategy,
        tool_choice=tool_choice, stream=True if stream else None, handle_tools=handle_tools, **extra)
