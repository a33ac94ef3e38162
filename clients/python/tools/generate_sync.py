#!/usr/bin/env python3
"""Writes the thread flavour of the client's resource wrappers and stream from the asyncio flavour.

    python tools/generate_sync.py            # rewrite src/assistd/_sync_*.py
    python tools/generate_sync.py --check    # exit 1, naming them, if those files are not current
    python tools/generate_sync.py --out DIR  # write the files into DIR instead

The rewrite works on tokens, as unasync does: ``async`` and ``await`` go, the names in
``NAMES`` become their thread counterparts (in code, docstrings and comments), and the methods in
``ASYNC_ONLY`` are left out, as are comment lines that start ``# asyncio only:``. So the
asyncio files must read correctly after exactly that.
Standard library only; run it with any Python 3.9+.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "assistd"

#: Hand-written asyncio module -> the thread module generated from it.
SOURCES: Dict[str, str] = {
    "_async_resources.py": "_sync_resources.py",
    "_async_streams.py": "_sync_streams.py",
}

NAMES: Dict[str, str] = {
    "AsyncRunStream": "RunStream",
    "AsyncClient": "Client",
    "AsyncConnection": "Connection",
    "AsyncIterator": "Iterator",
    "StopAsyncIteration": "StopIteration",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "_async_client": "_sync_client",
    "_async_connection": "_sync_connection",
    "_async_streams": "_sync_streams",
    "aclose": "close",
}

#: Methods only the asyncio flavour has (``aclose`` is ``close`` there already).
ASYNC_ONLY = frozenset({"aclose"})

_NAME_PATTERN = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, NAMES)))
_KEYWORD_IN_TEXT = re.compile(r"\b(?:async|await)\s+")
_ASYNC_ONLY_DEF = re.compile(r"^(\s*)async def (%s)\(" % "|".join(map(re.escape, ASYNC_ONLY)))
_ASYNC_ONLY_COMMENT = "# asyncio only:"


def header(source_name: str) -> str:
    return (
        "# Generated from %s by clients/python/tools/generate_sync.py: do not edit.\n"
        "# Edit %s and run the script again; the tests fail while this file is not current.\n"
        % (source_name, source_name)
    )


def drop_async_only(source: str) -> str:
    """Leave out ``# asyncio only:`` comment lines and each ``async def`` named in ASYNC_ONLY
    (with its body and the blank lines after it)."""
    lines = source.splitlines(keepends=True)
    kept: List[str] = []
    index = 0
    while index < len(lines):
        if lines[index].lstrip().startswith(_ASYNC_ONLY_COMMENT):
            index += 1
            if index < len(lines) and not lines[index].strip():
                index += 1  # and the blank line that set it apart
            continue
        match = _ASYNC_ONLY_DEF.match(lines[index])
        if match is None:
            kept.append(lines[index])
            index += 1
            continue
        indent = len(match.group(1))
        index += 1
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
            index += 1
    return "".join(kept)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rewrite_text(text: str) -> str:
    """Docstrings and comments: ``async for`` -> ``for``, ``await x`` -> ``x``, names renamed."""
    return _NAME_PATTERN.sub(lambda m: NAMES[m.group(1)], _KEYWORD_IN_TEXT.sub("", text))


def unasync(source: str) -> str:
    source = drop_async_only(source)
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(position: Tuple[int, int]) -> int:
        return line_starts[position[0] - 1] + position[1]

    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    edits: List[Tuple[int, int, str]] = []
    for index, token in enumerate(tokens):
        start, end = offset(token.start), offset(token.end)
        if token.type == tokenize.NAME and token.string in ("async", "await"):
            following = tokens[index + 1]
            if following.start[0] == token.end[0]:
                end = offset(following.start)  # the space after the keyword goes too
            edits.append((start, end, ""))
        elif token.type == tokenize.NAME and token.string in NAMES:
            edits.append((start, end, NAMES[token.string]))
        elif token.type in (tokenize.STRING, tokenize.COMMENT):
            rewritten = rewrite_text(token.string)
            if rewritten != token.string:
                edits.append((start, end, rewritten))
    for start, end, replacement in reversed(edits):
        source = source[:start] + replacement + source[end:]
    return source


def generate(package: Path) -> Dict[str, str]:
    """Each generated file's name and text, from the asyncio sources in ``package``."""
    return {
        target: header(source) + unasync((package / source).read_text(encoding="utf-8"))
        for source, target in SOURCES.items()
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=PACKAGE, help="the package directory to read (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="write the generated files here (default: the --src directory)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is not current")
    options = parser.parse_args(argv)
    generated = generate(options.src)
    if options.check:
        stale = [name for name, text in generated.items()
                 if not (options.src / name).is_file() or (options.src / name).read_text(encoding="utf-8") != text]
        for name in stale:
            print("%s is not current: run clients/python/tools/generate_sync.py" % (options.src / name), file=sys.stderr)
        return 1 if stale else 0
    out = options.out or options.src
    out.mkdir(parents=True, exist_ok=True)
    for name, text in generated.items():
        (out / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
