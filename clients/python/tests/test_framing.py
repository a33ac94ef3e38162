"""LSP framing: lengths in bytes, frames split and joined anywhere, bad headers refused."""

import json

import pytest

from assistd._errors import ProtocolError
from assistd._framing import FrameDecoder, encode_message
from fake_peer import lsp_frame

NON_ASCII = {"text": "Draw a ragdoll cat 🎨🐈 — 布偶猫を描いて", "emoji": "👩‍👩‍👧‍👦"}


def test_content_length_counts_utf8_bytes_not_characters():
    data = encode_message(NON_ASCII)
    header, _, body = data.partition(b"\r\n\r\n")
    assert header == b"Content-Length: %d" % len(body)
    text = json.dumps(NON_ASCII, ensure_ascii=False, separators=(",", ":"))
    assert len(body) == len(text.encode("utf-8")) > len(text)
    assert "🎨" in body.decode("utf-8"), "non-ASCII text is sent as UTF-8, not \\u escapes"


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 4096])
def test_decoder_reassembles_frames_split_at_every_size(chunk):
    messages = [NON_ASCII, {"id": 1, "result": None}, {"big": "猫" * 5000}]
    stream = b"".join(lsp_frame(m) for m in messages)
    decoder = FrameDecoder()
    bodies = []
    for start in range(0, len(stream), chunk):
        bodies += decoder.feed(stream[start:start + chunk])
    assert [json.loads(b) for b in bodies] == messages
    assert decoder.buffered == 0


def test_decoder_returns_several_frames_from_one_chunk():
    stream = lsp_frame({"a": 1}) + lsp_frame({"b": "é"}) + lsp_frame({"c": 3})[:10]
    decoder = FrameDecoder()
    assert [json.loads(b) for b in decoder.feed(stream)] == [{"a": 1}, {"b": "é"}]
    assert decoder.buffered == 10


def test_decoder_accepts_content_type_and_any_header_case():
    body = b'{"x":"\xe7\x8c\xab"}'
    raw = b"content-type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:  %d \r\n\r\n" % len(body) + body
    assert FrameDecoder().feed(raw) == [body]


@pytest.mark.parametrize("header", [
    b"Content-Type: application/json\r\n\r\n{}",
    b"Content-Length: ten\r\n\r\n{}",
    b"garbage without colon\r\n\r\n{}",
])
def test_decoder_refuses_bad_headers(header):
    with pytest.raises(ProtocolError):
        FrameDecoder().feed(header)


def test_decoder_refuses_oversized_frames_and_endless_headers():
    with pytest.raises(ProtocolError, match="exceeds"):
        FrameDecoder(max_frame_bytes=100).feed(b"Content-Length: 101\r\n\r\n")
    with pytest.raises(ProtocolError, match="no end of header"):
        FrameDecoder().feed(b"X" * 10000)


def test_zero_length_body_is_a_frame():
    assert FrameDecoder().feed(b"Content-Length: 0\r\n\r\n") == [b""]
