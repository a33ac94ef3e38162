"""Against the real binary: threads/* and messages/* (and messages/files/*)."""

import pytest

from assistd import MethodNotFoundError, NotFoundError, Thread, ThreadMessage, UnsupportedError, object_text
from conftest import serves


def test_thread_create_retrieve_update_delete(client):
    thread = client.threads.create(
        messages=[{"role": "user", "content": "Draw a picture of a ragdoll cat. 布偶猫"}], metadata={"k": "v"})
    assert isinstance(thread, Thread) and thread.id.startswith("thread_") and thread.metadata == {"k": "v"}
    assert client.threads.retrieve(thread.id).id == thread.id
    assert client.threads.update(thread.id, metadata={"k": "w", "猫": "🐈"}).metadata == {"k": "w", "猫": "🐈"}
    messages = client.messages.list(thread.id)
    assert [object_text(m) for m in messages.data] == ["Draw a picture of a ragdoll cat. 布偶猫"]
    deleted = client.threads.delete(thread.id)
    assert deleted.deleted is True and deleted.object == "thread.deleted"
    with pytest.raises(NotFoundError):
        client.threads.retrieve(thread.id)


def test_empty_thread(client):
    thread = client.threads.create()
    assert client.messages.list(thread.id).data == []


def test_message_create_list_retrieve_update(client):
    thread = client.threads.create()
    first = client.messages.create(thread.id, content="Hello 🎨", metadata={"n": "1"})
    assert isinstance(first, ThreadMessage) and first.id.startswith("message_")
    assert (first.role, first.thread_id, object_text(first)) == ("user", thread.id, "Hello 🎨")
    second = client.messages.create(thread.id, content="second, 第二")
    ascending = client.messages.list(thread.id, order="asc")
    assert [m.id for m in ascending.data] == [first.id, second.id]
    descending = client.messages.list(thread.id, order="desc", limit=1)
    assert [m.id for m in descending.data] == [second.id] and descending.has_more is True
    assert client.messages.retrieve(first.id, thread_id=thread.id).id == first.id
    updated = client.messages.update(first.id, thread_id=thread.id, metadata={"n": "2"})
    assert updated.metadata == {"n": "2"} and object_text(updated) == "Hello 🎨"
    with pytest.raises(NotFoundError):
        client.messages.retrieve("message_missing", thread_id=thread.id)


def test_message_files_methods_answer(client):
    """Optional in the protocol: served (a list, or unsupported by the backend) or method-not-found."""
    thread = client.threads.create()
    message = client.messages.create(thread.id, content="with no files")
    if not serves(client, "messages/files/list"):
        with pytest.raises(MethodNotFoundError):
            client.messages.files.list(message.id, thread_id=thread.id)
        return
    try:
        files = client.messages.files.list(message.id, thread_id=thread.id)
    except UnsupportedError as unsupported:
        assert unsupported.code == -32015
        return
    assert files.object == "list" and files.data == []
    with pytest.raises(NotFoundError):
        client.messages.files.retrieve("file_missing", thread_id=thread.id, message_id=message.id)
