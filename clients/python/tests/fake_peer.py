"""FakeAssistdPeer: a TEST DOUBLE of assistd's end of the pipes, not assistd.

It lets unit tests drive the client's connection by hand: it reads the client's frames with
its own, independent LSP parser (checking that Content-Length counts bytes) and writes
whatever frames a test tells it to. Tests against the real binary live in test_real_*.py.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from typing import Any, BinaryIO, Dict, List, Optional, Tuple


def lsp_frame(message: Any) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(stream: BinaryIO) -> Optional[Tuple[Dict[str, str], bytes]]:
    """One frame from a blocking binary stream: (headers, body), or None at EOF."""
    headers: Dict[str, str] = {}
    while True:
        line = stream.readline()
        if not line:
            return None
        if line == b"\r\n":
            break
        assert line.endswith(b"\r\n"), "header line not ended by CRLF: %r" % line
        name, _, value = line.decode("ascii").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    body = stream.read(length)
    assert len(body) == length, "body shorter than its Content-Length"
    return headers, body


class FakeAssistdPeer:
    """Pipes in both directions; ``client_reader``/``client_writer`` go to the code under test."""

    def __init__(self) -> None:
        to_client_r, to_client_w = os.pipe()
        from_client_r, from_client_w = os.pipe()
        self.client_reader: BinaryIO = os.fdopen(to_client_r, "rb")
        self.client_writer: BinaryIO = os.fdopen(from_client_w, "wb")
        self._in: BinaryIO = os.fdopen(from_client_r, "rb")
        self._out: BinaryIO = os.fdopen(to_client_w, "wb")
        self._out_lock = threading.Lock()
        self.received: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self.frames: List[Tuple[Dict[str, str], bytes]] = []
        self._thread = threading.Thread(target=self._read, name="fake-peer-reader", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                frame = read_frame(self._in)
                if frame is None:
                    break
                self.frames.append(frame)
                self.received.put(json.loads(frame[1].decode("utf-8")))
        except (OSError, ValueError):
            pass
        finally:
            self.received.put(None)

    def expect(self, timeout: float = 10.0) -> Dict[str, Any]:
        """The next message from the client (fails the test if none comes)."""
        message = self.received.get(timeout=timeout)
        assert message is not None, "the client closed its output"
        return message

    def expect_method(self, method: str, timeout: float = 10.0) -> Dict[str, Any]:
        message = self.expect(timeout)
        assert message.get("method") == method, "expected %s, got %r" % (method, message)
        return message

    def expect_eof(self, timeout: float = 10.0) -> None:
        message = self.received.get(timeout=timeout)
        assert message is None, "expected EOF, got %r" % (message,)

    def send(self, message: Any) -> None:
        self.send_raw(lsp_frame(message))

    def send_raw(self, data: bytes, chunk: Optional[int] = None) -> None:
        with self._out_lock:
            if chunk is None:
                self._out.write(data)
                self._out.flush()
                return
            for start in range(0, len(data), chunk):
                self._out.write(data[start:start + chunk])
                self._out.flush()

    def respond(self, request: Dict[str, Any], result: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": request["id"], "result": result})

    def respond_error(self, request: Dict[str, Any], code: int, message: str, data: Any = None) -> None:
        error: Dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        self.send({"jsonrpc": "2.0", "id": request["id"], "error": error})

    def event(self, request: Dict[str, Any], seq: int, event: str, data: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": "runs/event",
                   "params": {"request": request["id"], "seq": seq, "event": event, "data": data}})

    def close_output(self) -> None:
        """The fake's end of assistd's stdout closes: the client sees EOF."""
        with self._out_lock:
            self._out.close()

    def close(self) -> None:
        for stream in (self._out, self._in, self.client_reader, self.client_writer):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
