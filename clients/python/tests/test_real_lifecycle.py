"""Against the real binary: initialize, rpc.discover, not-initialized, shutdown/exit, dying."""

import os
import signal
import threading

import pytest

from assistd import Client, ConnectionClosedError, METHODS, MethodNotFoundError, NotInitializedError
import scripts


def test_initialize_reports_server_backend_and_capabilities(client):
    result = client.initialize_result
    assert isinstance(result.protocolVersion, str) and result.protocolVersion
    assert result.serverInfo.name and result.serverInfo.version
    assert client.backend.name == "local"
    assert isinstance(client.capabilities, dict)


#: Rows of the client's table the protocol may leave out (the brief's "possibly also").
OPTIONAL_RPCS = {m.rpc for m in METHODS if "/files/" in m.rpc}


def test_discover_serves_every_core_method_of_the_clients_table(client):
    document = client.discover()
    assert "openrpc" in document
    status = {method["name"]: method.get("x-assistd-status", "implemented") for method in document["methods"]}
    missing = [m.rpc for m in METHODS if m.rpc not in OPTIONAL_RPCS and status.get(m.rpc) != "implemented"]
    assert not missing, "methods of the client's table assistd does not serve: %s" % missing
    implemented = client.capabilities.get("methods")
    if implemented is not None:
        assert not [m.rpc for m in METHODS if m.rpc not in OPTIONAL_RPCS and m.rpc not in implemented]


def test_close_runs_shutdown_and_exit_and_the_process_exits_0(make_client):
    client = make_client(scripts.HELLO)
    assert client.assistants.list().object == "list"
    assert client.close() == 0
    assert client.process.poll() == 0
    with pytest.raises(ConnectionClosedError):
        client.assistants.list()


def test_context_manager_closes(assistd_bin, tmp_path):
    path = scripts.write_script(tmp_path, scripts.HELLO)
    with Client(assistd_bin, scripts.local_args(path)) as client:
        client.threads.create()
    assert client.returncode == 0


def test_requests_before_initialize_are_refused_then_served(make_client):
    client = make_client(scripts.HELLO, initialize=False)
    with pytest.raises(NotInitializedError) as refused:
        client.assistants.list()
    assert refused.value.code == -32002
    client.initialize()
    assert client.assistants.list().object == "list"


def test_unknown_methods_are_method_not_found_and_serving_goes_on(client):
    with pytest.raises(MethodNotFoundError) as raised:
        client.request("assistants/explode", {})
    assert raised.value.code == -32601
    assert client.threads.create().object == "thread"


def test_a_killed_process_fails_pending_calls_without_hanging(make_client):
    client = make_client(scripts.script([scripts.text("slow", delay_ms=60000)]))
    assistant = client.assistants.create(model="qwen-max")
    thread = client.threads.create(messages=[{"role": "user", "content": "hi"}])
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    outcome = []
    waiter = threading.Thread(target=lambda: outcome.append(_outcome(lambda: client.runs.wait(run.id, thread_id=thread.id))))
    waiter.start()
    os.kill(client.pid, signal.SIGKILL)
    waiter.join(60)
    assert not waiter.is_alive()
    assert isinstance(outcome[0], ConnectionClosedError)
    assert "assistd" in str(outcome[0]) and outcome[0].returncode == -signal.SIGKILL
    assert client.close() == -signal.SIGKILL


def _outcome(function):
    try:
        return function()
    except Exception as error:
        return error
