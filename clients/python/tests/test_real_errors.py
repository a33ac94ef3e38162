"""Against the real binary: errors arrive as exceptions with the JSON-RPC code and data."""

import pytest

from assistd import AssistdError, ConflictError, InvalidParamsError, NotFoundError
import scripts


def test_not_found_carries_the_code_and_the_services_fields(client):
    with pytest.raises(NotFoundError) as raised:
        client.threads.retrieve("thread_does_not_exist")
    error = raised.value
    assert error.code == -32010 and isinstance(error, AssistdError)
    assert error.status_code == 404 and "thread_does_not_exist" in error.message
    assert error.method == "threads/retrieve"


def test_invalid_params_name_the_parameter(client):
    with pytest.raises(InvalidParamsError) as missing:
        client.request("assistants/create", {"name": "no model"})
    assert missing.value.code == -32602 and missing.value.param == "model"
    with pytest.raises(InvalidParamsError) as wrong_type:
        client.request("messages/list", {"thread_id": client.threads.create().id, "limit": "ten"})
    assert wrong_type.value.param == "limit"
    assert client.assistants.list().object == "list", "the process keeps serving"


def test_conflicting_state_names_the_active_run(make_client):
    client = make_client(scripts.BIG_ADD)
    tool = {"type": "function", "function": {"name": "big_add", "parameters": {"type": "object", "properties": {}}}}
    assistant = client.assistants.create(model="qwen-max", tools=[tool])
    thread = client.threads.create(messages=[{"role": "user", "content": "add"}])
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    assert client.runs.wait(run.id, thread_id=thread.id).status == "requires_action"
    with pytest.raises(ConflictError) as raised:
        client.messages.create(thread.id, content="meanwhile")
    assert raised.value.code == -32014 and raised.value.active_run_id == run.id
    client.runs.cancel(run.id, thread_id=thread.id)
