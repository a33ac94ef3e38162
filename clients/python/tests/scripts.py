"""Scripts for the local backend's scripted TEST model (``--model scripted:FILE``).

Every real-binary test describes the model turns it needs here, in one place, so that a
change of the script format (protocol/runs.md, "The scripted test model") is one edit.
Each model call takes the first matching rule, else the next turn (cycling).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence


def text(value: str, chunks: int = 1, delay_ms: int = 0) -> Dict[str, Any]:
    turn: Dict[str, Any] = {"text": value, "chunks": chunks}
    if delay_ms:
        turn["delay_ms"] = delay_ms
    return turn


def tool_calls(*calls: "tuple[str, Dict[str, Any]]") -> Dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments} for name, arguments in calls]}


def when_user_says(needle: str, turn: Dict[str, Any]) -> Dict[str, Any]:
    return {"when_last_user_contains": needle, "turn": turn}


def after_tool(turn: Dict[str, Any]) -> Dict[str, Any]:
    return {"when_last_is_tool": True, "turn": turn}


#: The big_add flow of the service's quick start: call big_add(1, 2), then report its output.
BIG_ADD: Dict[str, Any] = {
    "turns": [tool_calls(("big_add", {"left": 1, "right": 2}))],
    "rules": [after_tool(text("The sum is {{last_tool_output}}."))],
}

#: A plain streamed reply in three chunks.
HELLO: Dict[str, Any] = {"turns": [text("Hello there, 布偶猫 🐈!", chunks=3)]}


def script(turns: Sequence[Dict[str, Any]] = (), rules: Sequence[Dict[str, Any]] = ()) -> Dict[str, Any]:
    return {"turns": list(turns), "rules": list(rules)}


def write_script(directory: Path, content: Dict[str, Any], name: str = "script.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def local_args(script_path: Optional[Path], extra: Sequence[str] = ()) -> List[str]:
    """assistd arguments for the local backend, in memory, with the scripted model."""
    args = ["--backend", "local", "--ephemeral"]
    if script_path is not None:
        args += ["--model", "scripted:%s" % script_path]
    return args + list(extra)
