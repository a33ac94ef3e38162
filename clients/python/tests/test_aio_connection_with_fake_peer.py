"""The asyncio connection against FakeAssistdPeer (a test double of assistd's pipes)."""

import asyncio
import gc
import json

import pytest

from assistd import AsyncRunStream, ConnectionClosedError, NotFoundError, ProtocolError
from assistd._async_connection import AsyncConnection
from assistd._tool_host import ToolHost
from fake_peer import FakeAssistdPeer

RUN = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "completed"}


async def connect(peer: FakeAssistdPeer) -> AsyncConnection:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), peer.client_reader)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, peer.client_writer)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return AsyncConnection(reader, writer)


def run_with_peer(scenario):
    peer = FakeAssistdPeer()

    async def main():
        conn = await connect(peer)
        try:
            await scenario(peer, conn)
        finally:
            try:
                peer.close_output()
            except (OSError, ValueError):
                pass
            conn.close_output()
            await conn.join(10)

    try:
        asyncio.run(main())
    finally:
        peer.close()


def expect(peer, method=None):
    """The peer's next message, read off the event loop."""
    return asyncio.to_thread(peer.expect_method, method) if method else asyncio.to_thread(peer.expect)


def test_concurrent_requests_and_non_ascii():
    async def scenario(peer, conn):
        tasks = [asyncio.ensure_future(conn.request("test/echo", {"n": n, "text": "猫🎨" * n}, 30)) for n in range(10)]
        requests = [await expect(peer) for _ in range(10)]
        for request in reversed(requests):
            peer.respond(request, request["params"])
        results = await asyncio.gather(*tasks)
        assert [(r.n, r.text) for r in results] == [(n, "猫🎨" * n) for n in range(10)]

    run_with_peer(scenario)


def test_async_for_over_a_stream_swallows_done_and_keeps_the_run():
    async def scenario(peer, conn):
        stream = AsyncRunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
        request = await expect(peer)
        peer.event(request, 0, "thread.run.created", RUN)
        peer.event(request, 1, "thread.message.delta", {"object": "thread.message.delta", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "布偶猫"}}]}})
        peer.event(request, 2, "done", "[DONE]")
        peer.respond(request, RUN)
        events = [event async for event, _ in stream]
        assert events == ["thread.run.created", "thread.message.delta"]
        assert stream.run.status == "completed" and stream.run_id == "run_1"

    run_with_peer(scenario)


def test_aclose_and_abandoning_send_cancel_and_seq_gaps_raise():
    async def scenario(peer, conn):
        async with AsyncRunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True)) as stream:
            request = await expect(peer)
            peer.event(request, 0, "thread.run.created", RUN)
            assert (await stream.__anext__())[0] == "thread.run.created"
        assert (await expect(peer, "$/cancelRequest"))["params"] == {"id": request["id"]}

        abandoned = AsyncRunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
        request = await expect(peer)
        del abandoned
        gc.collect()
        assert (await expect(peer, "$/cancelRequest"))["params"] == {"id": request["id"]}

        gappy = AsyncRunStream(conn, conn.start("runs/create", {"stream": True}, streaming=True))
        request = await expect(peer)
        peer.event(request, 1, "thread.run.created", RUN)
        with pytest.raises(ProtocolError):
            await gappy.__anext__()

    run_with_peer(scenario)


def test_cancelling_the_awaiting_task_cancels_the_request():
    async def scenario(peer, conn):
        task = asyncio.ensure_future(conn.request("runs/wait", {"thread_id": "t", "run_id": "r"}))
        request = await expect(peer)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await expect(peer, "$/cancelRequest"))["params"] == {"id": request["id"]}

    run_with_peer(scenario)


def test_tools_async_and_sync_run_concurrently():
    async def scenario(peer, conn):
        host = ToolHost()
        both = asyncio.Event()

        @host.tool
        async def waits_for_other(x: int) -> str:
            await asyncio.wait_for(both.wait(), 10)
            return "async %d" % x

        @host.tool
        async def releases(x: int) -> dict:
            both.set()
            return {"x": x}

        conn.set_request_handler("tools/call", host._run_tool_call_async)
        for request_id, name in (("s1", "waits_for_other"), ("s2", "releases")):
            peer.send({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {
                "thread_id": "t", "run_id": "r",
                "tool_call": {"id": "call_" + request_id, "type": "function", "function": {"name": name, "arguments": '{"x": 5}'}}}})
        answers = {m["id"]: m for m in (await expect(peer), await expect(peer))}
        assert answers["s1"]["result"] == {"output": "async 5"}
        assert json.loads(answers["s2"]["result"]["output"]) == {"x": 5}

    run_with_peer(scenario)


def test_errors_and_the_peer_going_away():
    async def scenario(peer, conn):
        task = asyncio.ensure_future(conn.request("threads/retrieve", {"thread_id": "x"}))
        peer.respond_error(await expect(peer), -32010, "No thread found with id 'x'.", {"id": "x", "status_code": 404})
        with pytest.raises(NotFoundError) as raised:
            await task
        assert raised.value.data["id"] == "x" and raised.value.status_code == 404

        pending = asyncio.ensure_future(conn.request("runs/wait", {"thread_id": "t", "run_id": "r"}))
        await expect(peer)
        peer.close_output()
        with pytest.raises(ConnectionClosedError):
            await pending
        with pytest.raises(ConnectionClosedError):
            await conn.request("threads/create", {})

    run_with_peer(scenario)
