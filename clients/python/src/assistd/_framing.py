"""LSP base-protocol framing: ``Content-Length: N\\r\\n\\r\\n`` followed by N bytes of UTF-8 JSON.

N counts bytes, never characters, so everything here works on ``bytes``.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List, Optional

from ._errors import ProtocolError

#: Frames larger than this are refused rather than buffered without bound.
MAX_FRAME_BYTES = 256 * 1024 * 1024
_MAX_HEADER_BYTES = 8 * 1024
_HEADER_END = b"\r\n\r\n"


def encode_json(value: Any, default: Optional[Callable[[Any], Any]] = None) -> bytes:
    """Compact UTF-8 JSON; non-ASCII text is kept as is (not ``\\u`` escaped)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=default).encode("utf-8")


def frame(body: bytes) -> bytes:
    """Wrap one message body in an LSP header."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def encode_message(message: Any, default: Optional[Callable[[Any], Any]] = None) -> bytes:
    return frame(encode_json(message, default))


class FrameDecoder:
    """Incremental decoder: feed it chunks as they are read, get back complete bodies.

    Chunks may split a frame anywhere (inside the header, between header and body, inside a
    multi-byte character) or hold several frames at once.
    """

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._body_length: Optional[int] = None
        self._max_frame_bytes = max_frame_bytes

    @property
    def buffered(self) -> int:
        """Bytes received that do not form a complete frame yet."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> List[bytes]:
        self._buffer += chunk
        bodies: List[bytes] = []
        while True:
            if self._body_length is None:
                end = self._buffer.find(_HEADER_END)
                if end < 0:
                    if len(self._buffer) > _MAX_HEADER_BYTES:
                        raise ProtocolError("no end of header within %d bytes" % _MAX_HEADER_BYTES)
                    return bodies
                self._body_length = self._parse_header(bytes(self._buffer[:end]))
                del self._buffer[: end + len(_HEADER_END)]
            if len(self._buffer) < self._body_length:
                return bodies
            bodies.append(bytes(self._buffer[: self._body_length]))
            del self._buffer[: self._body_length]
            self._body_length = None

    def _parse_header(self, header: bytes) -> int:
        length: Optional[int] = None
        for line in header.split(b"\r\n"):
            name, colon, value = line.partition(b":")
            if not colon:
                raise ProtocolError("malformed header line %r" % line[:80])
            if name.strip().lower() == b"content-length":
                text = value.strip()
                if not text.isdigit():
                    raise ProtocolError("Content-Length is not a number: %r" % text[:40])
                length = int(text)
        if length is None:
            raise ProtocolError("header without Content-Length: %r" % header[:200])
        if length > self._max_frame_bytes:
            raise ProtocolError("frame of %d bytes exceeds the limit of %d" % (length, self._max_frame_bytes))
        return length
