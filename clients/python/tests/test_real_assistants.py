"""Against the real binary: assistants/* and assistants/files/*."""

import pytest

from assistd import Assistant, DeletionStatus, ListResult, MethodNotFoundError, NotFoundError, UnsupportedError
from conftest import serves


def test_create_retrieve_update_delete(client):
    @client.tool
    def big_add(left: int, right: int) -> int:
        """Add to number

        Args:
            left: The left operator
            right: The right operator.
        """
        return left + right

    created = client.assistants.create(
        model="qwen-max", name="Art Maestro 🎨", description="AI assistant for painting and art knowledge",
        instructions="Provide information on painting techniques.", tools=[big_add],
        metadata={"team": "猫"}, temperature=0.5, top_p=0.9, top_k=40, max_tokens=256)
    assert isinstance(created, Assistant)
    assert created.id.startswith("asst_") and created.object == "assistant"
    assert (created.model, created.name, created.metadata) == ("qwen-max", "Art Maestro 🎨", {"team": "猫"})
    assert created.tools[0]["function"]["name"] == "big_add"
    assert created.tools[0]["function"]["parameters"]["required"] == ["left", "right"]
    assert (created.temperature, created.top_p, created.top_k, created.max_tokens) == (0.5, 0.9, 40, 256)
    assert isinstance(created.created_at, int) and created.created_at > 10 ** 12, "milliseconds"

    retrieved = client.assistants.retrieve(created.id)
    without_request_id = lambda obj: {k: v for k, v in obj.items() if k != "request_id"}  # noqa: E731
    assert without_request_id(retrieved) == without_request_id(created)
    updated = client.assistants.update(created.id, name="Renamed", instructions="Be brief.")
    assert (updated.id, updated.name, updated.instructions, updated.model) == (created.id, "Renamed", "Be brief.", "qwen-max")
    assert client.assistants.get(created.id).name == "Renamed"

    deleted = client.assistants.delete(created.id)
    assert isinstance(deleted, DeletionStatus) and deleted.deleted is True and deleted.id == created.id
    with pytest.raises(NotFoundError):
        client.assistants.retrieve(created.id)


def test_list_orders_and_pages(client):
    ids = [client.assistants.create(model="qwen-max", name="a%d" % n).id for n in range(4)]
    page = client.assistants.list(order="asc", limit=2)
    assert isinstance(page, ListResult) and page.object == "list"
    assert [a.id for a in page.data] == ids[:2] and page.has_more is True
    assert page.first_id == ids[0] and page.last_id == ids[1]
    rest = client.assistants.list(order="asc", after=page.last_id)
    assert [a.id for a in rest.data] == ids[2:] and rest.has_more is False
    newest_first = client.assistants.list(order="desc")
    assert [a.id for a in newest_first.data] == list(reversed(ids))
    assert [a.id for a in client.assistants.list(order="asc", before=ids[2]).data] == ids[:2]


def test_assistant_files_methods_answer(client):
    """Optional in the protocol: served (a list, or unsupported by the backend) or method-not-found."""
    assistant = client.assistants.create(model="qwen-max")
    if not serves(client, "assistants/files/list"):
        with pytest.raises(MethodNotFoundError):
            client.assistants.files.list(assistant.id)
        return
    try:
        files = client.assistants.files.list(assistant.id)
    except UnsupportedError as unsupported:  # a backend may not keep files; it must say so
        assert unsupported.code == -32015
        return
    assert files.object == "list" and files.data == []
    with pytest.raises(NotFoundError):
        client.assistants.files.retrieve("file_missing", assistant_id=assistant.id)
