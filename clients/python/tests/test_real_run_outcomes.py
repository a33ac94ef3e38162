"""Against the real binary: a stream whose run did not complete never passes for a reply.

``text_deltas()`` and ``until_done()`` raise RunFailedError for a run that ended failed (with
its last_error) and warn RunIncompleteWarning for one that ended incomplete (with its
incomplete_details); a client whose backend has no model warns NoModelWarning.
"""

import asyncio
import warnings

import pytest

from assistd import AsyncClient, Client, NoModelWarning, RunFailedError, RunIncompleteWarning
import scripts

FAILS = scripts.script([{"error": {"kind": "server", "message": "the scripted model fails"}}])
CUT_SHORT = scripts.script([{"text": "The sum", "finish": "length"}])


def only(caught, category):
    """The one warning of ``category`` (others, e.g. a ResourceWarning of an earlier test's
    garbage, may be recorded too)."""
    (warning,) = [w.message for w in caught if issubclass(w.category, category)]
    return warning


def start_stream(client):
    assistant = client.assistants.create(model="qwen-max")
    thread = client.threads.create(messages=[{"role": "user", "content": "hi"}])
    return client.runs.create(thread.id, assistant_id=assistant.id, stream=True)


def test_text_deltas_raise_when_the_run_failed(make_client):
    stream = start_stream(make_client(FAILS))
    with pytest.raises(RunFailedError) as raised:
        "".join(stream.text_deltas())
    assert raised.value.status == "failed"
    assert raised.value.last_error == {"code": "server_error", "message": "the scripted model fails"}
    assert "the scripted model fails" in str(raised.value)
    assert raised.value.run.id == stream.run_id


def test_until_done_raises_when_the_run_failed(make_client):
    stream = start_stream(make_client(FAILS))
    with pytest.raises(RunFailedError) as raised:
        stream.until_done()
    assert raised.value.run.status == "failed"


def test_an_incomplete_run_warns_with_its_reason(make_client):
    client = make_client(CUT_SHORT)
    with pytest.warns(RunIncompleteWarning) as caught:
        text = "".join(start_stream(client).text_deltas())
    assert text == "The sum"
    warned = only(caught, RunIncompleteWarning)
    assert warned.incomplete_details == {"reason": "max_tokens"}
    assert "max_tokens" in str(warned)
    with pytest.warns(RunIncompleteWarning):
        run = start_stream(client).until_done()
    assert run.status == "incomplete"


def test_a_completed_run_neither_raises_nor_warns(make_client):
    client = make_client(scripts.HELLO)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RunIncompleteWarning)
        assert "".join(start_stream(client).text_deltas()) == "Hello there, 布偶猫 🐈!"
        assert start_stream(client).until_done().status == "completed"


def test_the_async_stream_raises_and_warns_alike(assistd_bin, tmp_path):
    async def text_of(script, name):
        path = scripts.write_script(tmp_path, script, name)
        async with AsyncClient(assistd_bin, scripts.local_args(path)) as client:
            assistant = await client.assistants.create(model="qwen-max")
            thread = await client.threads.create(messages=[{"role": "user", "content": "hi"}])
            stream = await client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
            return "".join([text async for text in stream.text_deltas()])

    with pytest.raises(RunFailedError):
        asyncio.run(text_of(FAILS, "fails.json"))
    with pytest.warns(RunIncompleteWarning):
        assert asyncio.run(text_of(CUT_SHORT, "short.json")) == "The sum"


def test_a_backend_without_a_model_warns_at_start(assistd_bin, tmp_path):
    # The embedded model, with no model file to be found.
    args = scripts.local_args(None, ["--gguf", str(tmp_path / "missing.gguf")])
    with pytest.warns(NoModelWarning) as caught:
        client = Client(assistd_bin, args)
    try:
        assert "has no chat model" in str(only(caught, NoModelWarning))
        assert client.model_problem is not None
    finally:
        assert client.close() == 0


def test_a_backend_with_a_model_does_not_warn(make_client):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoModelWarning)
        client = make_client(scripts.HELLO)
    assert client.model_problem is None
