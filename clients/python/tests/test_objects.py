"""Results as light objects: attribute access, classes by the ``object`` field, plain dicts back."""

import json

import pytest

from assistd import AssistdObject, ListResult, Run, ThreadMessage, object_text
from assistd._objects import parse_json, wrap


def test_attribute_access_and_classes_follow_object_field():
    run = parse_json(json.dumps({
        "id": "run_1", "object": "thread.run", "status": "completed",
        "required_action": None, "usage": {"total_tokens": 3},
    }))
    assert isinstance(run, Run) and isinstance(run, dict)
    assert run.id == run["id"] == "run_1"
    assert run.usage.total_tokens == 3
    assert run.required_action is None
    with pytest.raises(AttributeError):
        run.no_such_field  # noqa: B018 - a typo must not read as None
    assert "status" in dir(run)


def test_to_dict_gives_plain_dicts_and_lists():
    page = parse_json('{"object":"list","data":[{"object":"thread.message","id":"message_1"}],"has_more":false}')
    assert isinstance(page, ListResult) and isinstance(page.data[0], ThreadMessage)
    plain = page.to_dict()
    assert type(plain) is dict and type(plain["data"][0]) is dict
    assert plain == {"object": "list", "data": [{"object": "thread.message", "id": "message_1"}], "has_more": False}
    assert json.loads(page.to_json()) == plain


def test_setting_attributes_sets_keys_and_wrap_converts_trees():
    obj = wrap({"a": [{"b": 1}]})
    assert isinstance(obj.a[0], AssistdObject)
    obj.c = 2
    assert obj["c"] == 2
    del obj.c
    assert "c" not in obj


def test_object_text_reads_messages_and_deltas():
    message = {"content": [{"type": "text", "text": {"value": "Hello ", "annotations": []}},
                           {"type": "image_file", "image_file": {"file_id": "f"}},
                           {"type": "text", "text": {"value": "猫"}}]}
    assert object_text(message) == "Hello 猫"
    delta = {"object": "thread.message.delta", "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "🎨"}}]}}
    assert object_text(delta) == "🎨"
    collapsed = {"delta": {"content": {"type": "text", "text": {"value": "x"}}}}  # the SDK's collapsed shape
    assert object_text(collapsed) == "x"
    assert object_text(None) == ""
