#!/usr/bin/env python3
"""End-to-end tests of `assistd acp` with the official Python ACP SDK as the client.

Each test starts the built binary (ASSISTD_BIN) on a fresh data dir with the scripted TEST
model (scripted_model.json) or against the FAKE hosted service (Tests/Fakes), drives it through
`ClientSideConnection`, and checks what a client sees. Prints one line per test, then
`N passed, N failed`; exits 1 when any failed.
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from acp import RequestError, text_block
from acp.client.connection import ClientSideConnection
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    CreateTerminalResponse,
    ReleaseTerminalResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    DeniedOutcome,
    FileSystemCapabilities,
    McpServerStdio,
    ReadTextFileResponse,
    RequestPermissionResponse,
    WriteTextFileResponse,
)
from acp.helpers import embedded_text_resource, resource_block, resource_link_block

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("ASSISTD_BIN", os.path.join(ROOT, ".build", "debug", "assistd"))
SCRIPT = os.path.join(HERE, "scripted_model.json")
FAKE_DASHSCOPE = os.path.join(ROOT, "Tests", "Fakes", "fake_dashscope_server.py")
MCP_TEST_SERVER = os.path.join(ROOT, "Tests", "Fakes", "mcp_test_server.py")
TIMEOUT = 30


class RecordingClient:
    """An editor stand-in: records every update, answers fs requests from the real disk."""

    def __init__(self, permission="allow_once"):
        self.updates = []
        self.permission_requests = []
        self.reads = []
        self.writes = []
        self.permission = permission
        self.terminals = {}

    async def session_update(self, session_id, update, **kwargs):
        self.updates.append((session_id, update))

    async def request_permission(self, session_id, tool_call, options, **kwargs):
        self.permission_requests.append((tool_call, [option.option_id for option in options]))
        if self.permission is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(option_id=self.permission, outcome="selected"))

    async def read_text_file(self, session_id, path, line=None, limit=None, **kwargs):
        self.reads.append(path)
        if not os.path.exists(path):
            raise RequestError.resource_not_found(path)
        with open(path, encoding="utf-8") as file:
            return ReadTextFileResponse(content=file.read())

    async def write_text_file(self, session_id, path, content, **kwargs):
        self.writes.append((path, content))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(content)
        return WriteTextFileResponse()

    async def create_terminal(self, session_id, command, args=None, env=None, cwd=None, output_byte_limit=None, **kwargs):
        process = subprocess.run([command, *(args or [])], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
        terminal = "term-%d" % (len(self.terminals) + 1)
        self.terminals[terminal] = {"command": [command, *(args or [])], "cwd": cwd, "process": process, "released": False}
        return CreateTerminalResponse(terminal_id=terminal)

    async def wait_for_terminal_exit(self, session_id, terminal_id, **kwargs):
        return WaitForTerminalExitResponse(exit_code=self.terminals[terminal_id]["process"].returncode)

    async def terminal_output(self, session_id, terminal_id, **kwargs):
        process = self.terminals[terminal_id]["process"]
        return TerminalOutputResponse(output=process.stdout, truncated=False,
                                      exit_status=TerminalExitStatus(exit_code=process.returncode))

    async def release_terminal(self, session_id, terminal_id, **kwargs):
        self.terminals[terminal_id]["released"] = True
        return ReleaseTerminalResponse()

    # Helpers for the tests.
    def kinds(self, session_id=None):
        return [u.session_update for s, u in self.updates if session_id is None or s == session_id]

    def agent_text(self, session_id):
        return "".join(u.content.text for s, u in self.updates if s == session_id and u.session_update == "agent_message_chunk")

    def of_kind(self, kind):
        return [u for _, u in self.updates if u.session_update == kind]

    def clear(self):
        self.updates.clear()


class Agent:
    """One `assistd acp` process and the SDK's connection to it."""

    def __init__(self, data_dir, client, arguments=None, env=None):
        self.data_dir = data_dir
        self.client = client
        self.arguments = arguments if arguments is not None else ["--model", "scripted:" + SCRIPT]
        self.env = env
        self.incoming = []

    async def __aenter__(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DASHSCOPE_") and k != "ASSISTD_BACKEND"}
        env.update(self.env or {})
        self.log = open(os.path.join(self.data_dir, "stderr.log"), "ab")
        self.process = await asyncio.create_subprocess_exec(
            BINARY, "acp", "--data-dir", self.data_dir, "--log-level", "debug", *self.arguments,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env, limit=50 << 20)

        self.sent = []

        def observe(event):
            (self.incoming if event.direction.value == "incoming" else self.sent).append(event.message)

        # Every line assistd writes is checked on its way to the SDK: one JSON object, one line.
        self.bad_lines = []
        reader = asyncio.StreamReader(limit=50 << 20)

        async def pump():
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    reader.feed_eof()
                    return
                try:
                    assert line.endswith(b"\n") and isinstance(json.loads(line), dict)
                except (AssertionError, ValueError):
                    self.bad_lines.append(line)
                reader.feed_data(line)

        self.pump = asyncio.create_task(pump())
        self.conn = ClientSideConnection(self.client, self.process.stdin, reader, observers=[observe])
        return self

    async def initialize(self, fs=True, terminal=False):
        capabilities = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs), terminal=terminal)
        return await asyncio.wait_for(self.conn.initialize(protocol_version=1, client_capabilities=capabilities), TIMEOUT)

    async def new_session(self, cwd, mcp_servers=None):
        return await asyncio.wait_for(self.conn.new_session(cwd=cwd, mcp_servers=mcp_servers or []), TIMEOUT)

    async def prompt(self, session_id, *blocks):
        blocks = [text_block(b) if isinstance(b, str) else b for b in blocks]
        return await asyncio.wait_for(self.conn.prompt(session_id=session_id, prompt=blocks), TIMEOUT)

    async def __aexit__(self, *exc):
        await self.conn.close()
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.log.close()
        await asyncio.wait_for(self.pump, 5)
        assert self.bad_lines == [], "stdout carried lines that are not one JSON object: %r" % self.bad_lines[:3]


async def until(predicate, what, seconds=TIMEOUT):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        await asyncio.sleep(0.02)


def expect_error(error, code, words):
    assert isinstance(error, RequestError), repr(error)
    assert error.code == code, (error.code, str(error))
    text = json.dumps(error.to_error_obj())
    assert words in text, text


# MARK: - Tests (each gets a fresh data dir and project dir)

async def test_initialize_declares_capabilities(tmp, project):
    async with Agent(tmp, RecordingClient()) as agent:
        answer = await agent.initialize()
        assert answer.protocol_version == 1
        assert answer.agent_capabilities.load_session is True
        assert answer.agent_capabilities.prompt_capabilities.embedded_context is True
        assert answer.agent_capabilities.prompt_capabilities.image is False
        assert answer.agent_info.name == "assistd" and answer.agent_info.version
        assert answer.auth_methods == []


async def test_streamed_prompt_and_commands(tmp, project):
    client = RecordingClient()
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        await until(lambda: client.of_kind("available_commands_update"), "available_commands_update")
        names = [c.name for c in client.of_kind("available_commands_update")[0].available_commands]
        assert "new" in names and "usage" in names, names
        answer = await agent.prompt(session, "Hi there, ünïcode 😀",
                                    resource_link_block(name="a.txt", uri="file:///p/a.txt"),
                                    resource_block(embedded_text_resource("file:///p/b.txt", "bee")))
        assert answer.stop_reason == "end_turn", answer
        text = client.agent_text(session)
        assert text.startswith("Hello from assistd! You said: Hi there, ünïcode 😀"), text
        assert 'Linked resource "a.txt": file:///p/a.txt' in text and "Context from file:///p/b.txt:\n```\nbee\n```" in text, text
        assert client.kinds(session).count("agent_message_chunk") >= 2, client.kinds(session)
        client.clear()
        answer = await agent.prompt(session, "/usage")
        assert answer.stop_reason == "end_turn"
        assert "Last run: 12 prompt + 7 completion = 19 tokens." in client.agent_text(session), client.agent_text(session)


def call(tmp, method, params):
    """`assistd call` on the same data dir: what the assistd protocol sees of ACP's sessions."""
    result = subprocess.run([BINARY, "call", method, json.dumps(params), "--compact", "--data-dir", tmp, "--model", "scripted:" + SCRIPT],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_sessions_are_threads_with_the_projects_assistant(tmp, project):
    os.makedirs(os.path.join(project, ".assistd"))
    with open(os.path.join(project, ".assistd", "acp.json"), "w", encoding="utf-8") as file:
        json.dump({"model": "qwen-plus", "instructions": "Be brief.", "name": "the project"}, file)
    async with Agent(tmp, RecordingClient()) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
    thread = call(tmp, "threads/retrieve", {"thread_id": session})
    assert thread["metadata"]["acp_cwd"] == project, thread
    assistant = call(tmp, "assistants/retrieve", {"assistant_id": thread["metadata"]["acp_assistant_id"]})
    assert (assistant["model"], assistant["instructions"], assistant["name"]) == ("qwen-plus", "Be brief.", "the project"), assistant

    flags = ["--model", "scripted:" + SCRIPT, "--instructions", "Flags win.", "--assistant-model", "qwen-turbo"]
    async with Agent(tmp, RecordingClient(), flags) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
    thread = call(tmp, "threads/retrieve", {"thread_id": session})
    assistant = call(tmp, "assistants/retrieve", {"assistant_id": thread["metadata"]["acp_assistant_id"]})
    assert (assistant["model"], assistant["instructions"]) == ("qwen-turbo", "Flags win."), assistant

    chosen = assistant["id"]
    async with Agent(tmp, RecordingClient(), ["--model", "scripted:" + SCRIPT, "--assistant", chosen]) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
    assert call(tmp, "threads/retrieve", {"thread_id": session})["metadata"]["acp_assistant_id"] == chosen

    async with Agent(tmp, RecordingClient(), ["--model", "scripted:" + SCRIPT, "--assistant", "asst_nope"]) as agent:
        await agent.initialize()
        try:
            await agent.new_session(project)
            raise AssertionError("a session started with an unknown assistant")
        except RequestError as error:
            assert "asst_nope" in json.dumps(error.to_error_obj()), error.to_error_obj()
        try:
            await agent.new_session("relative/dir")
            raise AssertionError("a relative cwd was accepted")
        except RequestError as error:
            expect_error(error, -32602, "absolute")
    with open(os.path.join(project, ".assistd", "acp.json"), "w", encoding="utf-8") as file:
        file.write("[1]")
    async with Agent(tmp, RecordingClient()) as agent:
        await agent.initialize()
        try:
            await agent.new_session(project)
            raise AssertionError("a broken project file was ignored")
        except RequestError as error:
            expect_error(error, -32602, ".assistd/acp.json: is not a JSON object")


async def test_read_text_file_through_the_client(tmp, project):
    with open(os.path.join(project, "notes.txt"), "w", encoding="utf-8") as file:
        file.write("buy milk 🥛")
    client = RecordingClient()
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        answer = await agent.prompt(session, "what do my notes say?")
        assert answer.stop_reason == "end_turn", answer
        assert client.reads == [os.path.join(project, "notes.txt")], client.reads
        assert client.permission_requests == [], "reading asks no permission"
        starts = client.of_kind("tool_call")
        assert len(starts) == 1 and starts[0].status == "pending" and starts[0].kind == "read", starts
        assert starts[0].raw_input == {"path": "notes.txt"}
        statuses = [u.status for u in client.of_kind("tool_call_update") if u.tool_call_id == starts[0].tool_call_id]
        assert statuses == ["in_progress", "completed"], statuses
        assert client.agent_text(session) == "The notes say: buy milk 🥛", client.agent_text(session)
    async with Agent(tmp, RecordingClient(), ["--model", "scripted:" + SCRIPT, "--max-tool-rounds", "1"]) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        answer = await agent.prompt(session, "what do my notes say now?")
        assert answer.stop_reason == "max_turn_requests", "a run out of tool rounds: %r" % answer


async def test_write_text_file_after_permission(tmp, project):
    client = RecordingClient(permission="allow_once")
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        target = os.path.join(project, "out", "answer.txt")
        os.makedirs(os.path.dirname(target))
        with open(target, "w", encoding="utf-8") as file:
            file.write("old\n")
        answer = await agent.prompt(session, "save the answer")
        assert answer.stop_reason == "end_turn"
        assert len(client.permission_requests) == 1
        tool_call, options = client.permission_requests[0]
        assert tool_call.kind == "edit" and "allow_once" in options and "reject_once" in options, (tool_call, options)
        diff = tool_call.content[0]
        assert (diff.type, diff.path, diff.old_text, diff.new_text) == ("diff", target, "old\n", "42 ✓\n"), diff
        assert client.of_kind("tool_call")[0].content[0].type == "diff", "the editor sees the change it is asked about"
        assert client.writes == [(target, "42 ✓\n")], client.writes
        with open(target, encoding="utf-8") as file:
            assert file.read() == "42 ✓\n"
        statuses = [u.status for u in client.of_kind("tool_call_update")]
        assert statuses == ["in_progress", "completed"], statuses
        assert client.agent_text(session).startswith("Saving went: Wrote 7 bytes to " + target), client.agent_text(session)

    rejecting = RecordingClient(permission="reject_once")
    async with Agent(tmp, rejecting) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        os.remove(target)
        answer = await agent.prompt(session, "save it again")
        assert answer.stop_reason == "end_turn"
        assert rejecting.writes == [] and not os.path.exists(target)
        assert [u.status for u in rejecting.of_kind("tool_call_update")] == ["failed"]
        assert "declined" in rejecting.agent_text(session), rejecting.agent_text(session)


async def test_run_command_in_the_clients_terminal(tmp, project):
    client = RecordingClient(permission="allow_always")
    async with Agent(tmp, client) as agent:
        await agent.initialize(terminal=True)
        session = (await agent.new_session(project)).session_id
        for attempt in range(2):
            answer = await agent.prompt(session, "try the terminal")
            assert answer.stop_reason == "end_turn", answer
        assert len(client.permission_requests) == 1, "allow_always is remembered for the session"
        assert len(client.terminals) == 2 and all(t["cwd"] == project for t in client.terminals.values())
        await until(lambda: all(t["released"] for t in client.terminals.values()), "terminal/release")
        starts = client.of_kind("tool_call")
        assert starts[0].kind == "execute" and starts[0].title.startswith("Run sh -c"), starts[0]
        updates = client.of_kind("tool_call_update")
        assert [u.status for u in updates if u.status][:2] == ["in_progress", "failed"], "exit status 3 is a failure"
        shown = [c.terminal_id for u in updates if not u.status for c in u.content]
        assert shown == ["term-1", "term-2"], "the live terminal is shown in the tool call"
        text = client.agent_text(session)
        assert text.startswith("The command said: hi from project\n\n(exit status 3)"), text

    plain = RecordingClient()
    async with Agent(tmp, plain) as agent:
        await agent.initialize(fs=False, terminal=False)
        session = (await agent.new_session(project)).session_id
        await agent.prompt(session, "try the terminal")
        assert plain.terminals == {} and plain.permission_requests == []
        assert "no tool named run_command" in plain.agent_text(session), "a client without a terminal is offered no run_command"


async def test_cancel_mid_prompt(tmp, project):
    client = RecordingClient()
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        prompt = asyncio.create_task(agent.prompt(session, "count slowly"))
        await until(lambda: client.agent_text(session), "the first chunk")
        await agent.conn.cancel(session_id=session)
        started = time.monotonic()
        answer = await prompt
        assert answer.stop_reason == "cancelled", answer
        assert time.monotonic() - started < 5
        assert not client.agent_text(session).endswith("twenty"), "the run was stopped before its end"
        client.clear()
        answer = await agent.prompt(session, "and now hello")
        assert answer.stop_reason == "end_turn", "the session goes on after a cancel"
        # ACP's per-request cancellation of a prompt means what session/cancel means.
        client.clear()
        prompt = asyncio.create_task(agent.prompt(session, "count slowly again"))
        await until(lambda: client.agent_text(session), "the first chunk")
        prompt_id = max(m["id"] for m in agent.sent if m.get("method") == "session/prompt")
        await agent.conn._conn.send_notification("$/cancel_request", {"requestId": prompt_id})
        answer = await prompt
        assert answer.stop_reason == "cancelled", answer


async def test_bad_input(tmp, project):
    client = RecordingClient()
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        try:
            await agent.prompt("thread_nope", "hello")
            raise AssertionError("a prompt to an unknown session was answered")
        except RequestError as error:
            expect_error(error, -32602, "unknown session id")
        try:
            await asyncio.wait_for(agent.conn.load_session(cwd=project, session_id="thread_nope", mcp_servers=[]), TIMEOUT)
            raise AssertionError("loading an unknown session succeeded")
        except RequestError as error:
            expect_error(error, -32602, "unknown session id")
        slow = asyncio.create_task(agent.prompt(session, "count slowly"))
        await until(lambda: client.agent_text(session), "the first chunk")
        try:
            await agent.prompt(session, "hello")
            raise AssertionError("a second prompt ran while one was running")
        except RequestError as error:
            expect_error(error, -32600, "already answering a prompt")
        await agent.conn.cancel(session_id=session)
        assert (await slow).stop_reason == "cancelled"
        raw = agent.conn._conn  # the SDK's JSON-RPC connection: params its models would refuse to send
        try:
            await raw.send_request("session/new", {"cwd": project, "mcpServers": [{"name": "bad", "command": "x", "args": [1]}]})
            raise AssertionError("a malformed MCP server entry was accepted")
        except RequestError as error:
            expect_error(error, -32602, "mcpServers[0].args[0] must be a string")
        http_only = await raw.send_request("session/new", {"cwd": project, "mcpServers": [
            {"type": "http", "name": "remote", "url": "http://127.0.0.1:9/mcp", "headers": []}]})
        assert http_only["sessionId"], "an http server (not supported) is left out, the session starts"
        # A malformed line: a parse error, and the connection goes on.
        agent.process.stdin.write(b'{"jsonrpc": "2.0", "id": 99, "method": \n')
        await agent.process.stdin.drain()
        await until(lambda: any(m.get("error", {}).get("code") == -32700 for m in agent.incoming), "the parse error")
        try:
            await agent.prompt(session, "break please")
            raise AssertionError("a failed run answered a stopReason")
        except RequestError as error:
            expect_error(error, -32603, "out of quota")
            assert error.data["last_error"]["code"], error.data
        answer = await agent.prompt(session, "ramble on")
        assert answer.stop_reason == "max_tokens", answer
        answer = await agent.prompt(session, "say something offensive")
        assert answer.stop_reason == "refusal", answer
        answer = await agent.prompt(session, "hello again")
        assert answer.stop_reason == "end_turn"


async def test_load_session_in_a_new_process(tmp, project):
    first = RecordingClient()
    async with Agent(tmp, first) as agent:
        await agent.initialize()
        session = (await agent.new_session(project)).session_id
        await agent.prompt(session, "remember the number 7")
    second = RecordingClient()
    async with Agent(tmp, second) as agent:
        await agent.initialize()
        answer = await asyncio.wait_for(agent.conn.load_session(cwd=project, session_id=session, mcp_servers=[]), TIMEOUT)
        assert answer is not None and answer.model_dump(exclude_none=True) == {}, "session/load answers an object: %r" % answer
        replayed = [(u.session_update, u.content.text) for s, u in second.updates
                    if s == session and u.session_update in ("user_message_chunk", "agent_message_chunk")]
        assert replayed == [("user_message_chunk", "remember the number 7"),
                            ("agent_message_chunk", "Hello from assistd! You said: remember the number 7")], replayed
        second.clear()
        answer = await agent.prompt(session, "and again")
        assert answer.stop_reason == "end_turn" and "You said: and again" in second.agent_text(session)
        second.clear()
        await agent.prompt(session, "/new")
        assert "fresh thread" in second.agent_text(session)
    third = RecordingClient()
    async with Agent(tmp, third) as agent:
        await agent.initialize()
        await asyncio.wait_for(agent.conn.load_session(cwd=project, session_id=session, mcp_servers=[]), TIMEOUT)
        assert [u for s, u in third.updates if u.session_update in ("user_message_chunk", "agent_message_chunk")] == [], \
            "after /new a load shows the fresh thread"


async def test_mcp_server_tool(tmp, project):
    marker = "ACP_TEST_MARK_%d" % os.getpid()
    server = McpServerStdio(name="echo", command=sys.executable, args=[MCP_TEST_SERVER],
                            env=[{"name": marker, "value": tmp}])
    client = RecordingClient()
    async with Agent(tmp, client) as agent:
        await agent.initialize()
        session = (await agent.new_session(project, [server])).session_id
        assert len(mcp_servers_running(marker, tmp)) == 1, "the server runs as a child for the session"
        answer = await agent.prompt(session, "use the echo tool")
        assert answer.stop_reason == "end_turn", answer
        starts = client.of_kind("tool_call")
        assert len(starts) == 1 and starts[0].raw_input == {"text": "héllo from the model"}, starts
        assert starts[0].title == "echo: Echo", starts[0].title
        updates = client.of_kind("tool_call_update")
        assert [u.status for u in updates] == ["in_progress", "completed"]
        assert [c.content.text for c in updates[1].content] == ["héllo from the model"], updates[1].content
        assert client.agent_text(session) == "The server answered: héllo from the model", client.agent_text(session)
        client.clear()
        answer = await agent.prompt(session, "use the garbage tool")
        assert [u.status for u in client.of_kind("tool_call_update")] == ["in_progress", "completed"], "a server's stray stdout is its own"
        client.clear()
        answer = await agent.prompt(session, "use the failing tool")
        assert answer.stop_reason == "end_turn" and [u.status for u in client.of_kind("tool_call_update")] == ["in_progress", "failed"]
        assert client.agent_text(session) == "It said: the tool failed on purpose", client.agent_text(session)
        client.clear()
        await agent.prompt(session, "where does the server run?")
        assert client.agent_text(session) == "The server runs in " + project, client.agent_text(session)
        await asyncio.wait_for(agent.conn.close_session(session_id=session), TIMEOUT)
        await until(lambda: not mcp_servers_running(marker, tmp), "the server to stop with the session", 10)
        try:
            await agent.prompt(session, "hello")
            raise AssertionError("a closed session answered")
        except RequestError as error:
            expect_error(error, -32602, "unknown session id")
        # Loading the session starts its servers again; the end of assistd's input stops them.
        await asyncio.wait_for(agent.conn.load_session(cwd=project, session_id=session, mcp_servers=[server]), TIMEOUT)
        assert len(mcp_servers_running(marker, tmp)) == 1
    await until(lambda: not mcp_servers_running(marker, tmp), "the server to stop with assistd", 10)


def mcp_servers_running(marker, value):
    """The pids of processes whose environment has marker=value (the test MCP servers started for one test)."""
    wanted = ("%s=%s" % (marker, value)).encode()
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % pid, "rb") as file:
                if wanted in file.read().split(b"\0"):
                    with open("/proc/%s/stat" % pid) as stat:
                        if stat.read().split(") ")[1].startswith("Z"):
                            continue
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


async def test_hosted_backend(tmp, project):
    fake = subprocess.Popen([sys.executable, FAKE_DASHSCOPE, "--port", "0", "--exit-on-stdin-eof"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(fake.stdout.readline().strip())
        with open(os.path.join(project, "read_text_file"), "w", encoding="utf-8") as file:
            file.write("hosted contents")
        client = RecordingClient()
        arguments = ["--backend", "dashscope", "--base-url", "http://127.0.0.1:%d/api/v1" % port]
        async with Agent(tmp, client, arguments, env={"DASHSCOPE_API_KEY": "sk-fake"}) as agent:
            await agent.initialize()
            session = (await agent.new_session(project)).session_id
            answer = await agent.prompt(session, "hello hosted")
            assert answer.stop_reason == "end_turn"
            assert client.agent_text(session) == "You said: hello hosted", client.agent_text(session)
            client.clear()
            # The fake calls the tool named in the message, with the message as its path.
            answer = await agent.prompt(session, "read_text_file")
            assert answer.stop_reason == "end_turn"
            assert client.reads == [os.path.join(project, "read_text_file")]
            assert client.agent_text(session) == "read_text_file returned: hosted contents", client.agent_text(session)
        # The service may not cancel runs (the fake has no cancel endpoint): the prompt stops relaying the run.
        knobs = json.dumps({"stream_deltas": 10, "stall_after_events": 9, "stall_ms": 20000}).encode()
        urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:%d/__control__/knobs" % port, data=knobs, headers={"Content-Type": "application/json"}), timeout=10).read()
        client = RecordingClient()
        async with Agent(tmp, client, arguments, env={"DASHSCOPE_API_KEY": "sk-fake"}) as agent:
            await agent.initialize()
            session = (await agent.new_session(project)).session_id
            prompt = asyncio.create_task(agent.prompt(session, "hello stalled service"))
            await until(lambda: client.agent_text(session), "the first chunk")
            started = time.monotonic()
            await agent.conn.cancel(session_id=session)
            answer = await prompt
            assert answer.stop_reason == "cancelled" and time.monotonic() - started < 5, (answer, time.monotonic() - started)
        keyless = RecordingClient()
        async with Agent(tmp, keyless, arguments) as agent:
            answer = await agent.initialize()
            assert len(answer.auth_methods) == 1 and "DASHSCOPE_API_KEY" in answer.auth_methods[0].description, answer
            try:
                await agent.new_session(project)
                raise AssertionError("a session started without a key")
            except RequestError as error:
                expect_error(error, -32000, "DASHSCOPE_API_KEY")
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)


TESTS = [
    test_initialize_declares_capabilities,
    test_streamed_prompt_and_commands,
    test_sessions_are_threads_with_the_projects_assistant,
    test_read_text_file_through_the_client,
    test_write_text_file_after_permission,
    test_run_command_in_the_clients_terminal,
    test_cancel_mid_prompt,
    test_bad_input,
    test_load_session_in_a_new_process,
    test_mcp_server_tool,
    test_hosted_backend,
]


def main():
    selected = [t for t in TESTS if len(sys.argv) < 2 or any(word in t.__name__ for word in sys.argv[1:])]
    passed = failed = 0
    for test in selected:
        tmp = tempfile.mkdtemp(prefix="assistd-acp-")
        project = os.path.join(tmp, "project")
        os.makedirs(project)
        started = time.monotonic()
        try:
            asyncio.run(asyncio.wait_for(test(tmp, project), 90))
            passed += 1
            print("PASS %s (%.1fs)" % (test.__name__, time.monotonic() - started), flush=True)
            shutil.rmtree(tmp, ignore_errors=True)
        except BaseException as error:  # noqa: BLE001 - every failure is reported
            failed += 1
            print("FAIL %s: %r" % (test.__name__, error), flush=True)
            traceback.print_exc()
            print("  (assistd's log: %s/stderr.log)" % tmp, flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
