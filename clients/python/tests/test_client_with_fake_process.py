"""Client and AsyncClient process handling against fake_assistd_process.py (a TEST DOUBLE).

Spawning, the initialize params, shutdown/exit and the exit code, finding the binary, a crash
failing pending calls with a clear error, and the tool loop's plumbing. The same is checked
against the real binary in test_real_lifecycle.py.
"""

import asyncio
import gc
import os
import signal
import stat
import sys
import threading
from pathlib import Path

import pytest

from assistd import AssistdTimeoutError, AsyncClient, BinaryNotFoundError, Client, ConnectionClosedError, MethodNotFoundError

FAKE = Path(__file__).with_name("fake_assistd_process.py")


@pytest.fixture
def fake_binary(tmp_path):
    """An executable that runs the fake with this interpreter."""
    path = tmp_path / "fake-assistd"
    path.write_text('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, FAKE))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_initialize_sends_the_protocols_params_and_close_exits_cleanly(fake_binary):
    client = Client(fake_binary, ["--backend", "local", "--ephemeral"])
    result = client.initialize_result
    assert result.received.processId == os.getpid()
    assert result.received.clientInfo.name == "assistd-python"
    assert result.received.capabilities == {"tools": {"call": True}}
    assert result.argv == ["--stdio", "--framing", "lsp", "--backend", "local", "--ephemeral"]
    assert client.backend.name == "fake" and client.server_info.name == "fake-assistd"
    assert client.protocol_version == "fake-1"
    assert client.request("test/echo", {"猫": "🎨"}) == {"猫": "🎨"}
    assert client.close() == 0
    assert client.close() == 0, "close is idempotent"
    assert client.process.poll() == 0
    with pytest.raises(ConnectionClosedError):
        client.request("test/echo", {})


def test_context_manager_and_binary_from_the_environment(fake_binary, monkeypatch):
    monkeypatch.setenv("ASSISTD_BIN", fake_binary)
    monkeypatch.setenv("ASSISTD_ARGS", "--model 'scripted:/tmp/a b.json'")
    with Client() as client:
        assert client.initialize_result.argv[-2:] == ["--model", "scripted:/tmp/a b.json"]
        process = client.process
    assert process.returncode == 0


def test_a_missing_binary_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("ASSISTD_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BinaryNotFoundError, match="ASSISTD_BIN"):
        Client()
    with pytest.raises(BinaryNotFoundError, match="not an executable"):
        Client(str(tmp_path / "nope"))


def test_a_crash_fails_pending_calls_with_the_exit_status_and_stderr(fake_binary):
    client = Client(fake_binary, [])
    pending = []
    hanging = threading.Thread(target=lambda: pending.append(_outcome(lambda: client.request("test/hang"))))
    hanging.start()
    with pytest.raises(ConnectionClosedError) as crashed:
        client.request("test/crash")
    hanging.join(30)
    assert crashed.value.returncode == 3
    assert "exited with status 3" in str(crashed.value)
    assert "crashing on purpose" in str(crashed.value)
    assert isinstance(pending[0], ConnectionClosedError)
    assert client.close() == 3


def test_a_killed_process_fails_pending_calls(fake_binary):
    client = Client(fake_binary, [])
    pending = []
    hanging = threading.Thread(target=lambda: pending.append(_outcome(lambda: client.request("test/hang"))))
    hanging.start()
    client.request("test/echo", {})  # test/hang has been read by now: requests are handled in order
    os.kill(client.pid, signal.SIGKILL)
    hanging.join(30)
    assert isinstance(pending[0], ConnectionClosedError)
    assert client.close() == -signal.SIGKILL


def test_unknown_methods_and_the_tool_loop_plumbing(fake_binary):
    with Client(fake_binary, []) as client:
        @client.tool
        def big_add(left: int, right: int) -> int:
            return left + right

        with pytest.raises(MethodNotFoundError):
            client.request("no/such")
        run = client.runs.create("thread_1", assistant_id="asst_1", handle_tools=True)
        assert run.tool_output == "3"
        stream = client.runs.create("thread_1", assistant_id="asst_1", stream=True, handle_tools=True)
        assert [event for event, _ in stream] == ["thread.run.created", "thread.run.completed"]
        assert stream.run.tool_output == "3"


def test_async_client_lifecycle_stream_tools_and_crash(fake_binary):
    async def main():
        async with AsyncClient(fake_binary, ["--ephemeral"]) as client:
            assert client.initialize_result.received.processId == os.getpid()

            @client.tool
            async def big_add(left: int, right: int) -> int:
                return left + right

            stream = await client.runs.create("thread_1", assistant_id="asst_1", stream=True, handle_tools=True)
            assert [event async for event, _ in stream] == ["thread.run.created", "thread.run.completed"]
            assert stream.run.tool_output == "3"
            assert await client.request("test/echo", {"a": 1}) == {"a": 1}
        assert client.returncode == 0

        crashing = AsyncClient(fake_binary, [])
        await crashing.start()
        hang = asyncio.ensure_future(crashing.request("test/hang"))
        with pytest.raises(ConnectionClosedError) as crashed:
            await crashing.request("test/crash")
        assert "crashing on purpose" in str(crashed.value) and crashed.value.returncode == 3
        with pytest.raises(ConnectionClosedError):
            await hang
        assert await crashing.close() == 3

    asyncio.run(main())


def _outcome(function):
    try:
        return function()
    except Exception as error:
        return error


def test_a_dropped_client_takes_its_process_with_it(fake_binary):
    client = Client(fake_binary, [])
    process = client.process
    del client
    gc.collect()
    assert process.wait(timeout=30) is not None


def test_a_stream_that_times_out_cancels_its_request(fake_binary):
    with Client(fake_binary, [], request_timeout=0.2) as client:
        stream = client.stream("test/hang", {})
        with pytest.raises(AssistdTimeoutError):
            next(stream)
        assert stream.finished and client._connection.in_flight() == 0


def test_a_backend_reporting_model_available_false_warns(fake_binary):
    from assistd import NoModelWarning

    backend = {"name": "local", "model": "embedded", "model_available": False,
               "model_problem": "the embedded model is not installed"}
    with pytest.warns(NoModelWarning, match="the embedded model is not installed"):
        client = Client(fake_binary, [], initialization_options={"fake_backend": backend})
    assert client.model_problem == "the embedded model is not installed"
    assert client.close() == 0

    available = {"name": "local", "model": "unavailable (an old text)", "model_available": True}
    client = Client(fake_binary, [], initialization_options={"fake_backend": available})
    assert client.model_problem is None, "model_available wins over the text when present"
    assert client.close() == 0
