"""Against the real binary: the asyncio client (AsyncClient, async for streams)."""

import asyncio

import pytest

from assistd import AsyncClient, AsyncRunStream, NotFoundError, object_text
import scripts


def run_async(assistd_bin, tmp_path, script, body):
    path = scripts.write_script(tmp_path, script)

    async def main():
        async with AsyncClient(assistd_bin, scripts.local_args(path)) as client:
            await body(client)
        assert client.returncode == 0

    asyncio.run(main())


def test_crud_stream_and_errors(assistd_bin, tmp_path):
    async def body(client):
        assert client.backend.name == "local"
        assistant = await client.assistants.create(model="qwen-max", name="async 🎨")
        assert (await client.assistants.retrieve(assistant.id)).name == "async 🎨"
        thread = await client.threads.create()
        await client.messages.create(thread.id, content="hi")
        stream = await client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
        assert isinstance(stream, AsyncRunStream)
        events = [event async for event, _ in stream]
        assert events[0] == "thread.run.created" and events[-1] == "thread.run.completed" and "done" not in events
        messages = await client.messages.list(thread.id)
        assert object_text(messages.data[0]) == "Hello there, 布偶猫 🐈!"
        steps = await client.steps.list(stream.run_id, thread_id=thread.id)
        assert steps.data[0].type == "message_creation"
        with pytest.raises(NotFoundError):
            await client.threads.retrieve("thread_nope")
        results = await asyncio.gather(*(client.threads.create(metadata={"n": str(n)}) for n in range(10)))
        assert sorted(t.metadata["n"] for t in results) == sorted(str(n) for n in range(10))

    run_async(assistd_bin, tmp_path, scripts.HELLO, body)


def test_async_tools_loop(assistd_bin, tmp_path):
    async def body(client):
        @client.tool
        async def big_add(left: int, right: int) -> int:
            """Add to number"""
            await asyncio.sleep(0)
            return left + right

        assistant = await client.assistants.create(model="qwen-max", tools=[big_add])
        thread = await client.threads.create(messages=[{"role": "user", "content": "1+2"}])
        stream = await client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True)
        run = await stream.until_done()
        assert run.status == "completed"
        assert object_text((await client.messages.list(thread.id)).data[0]) == "The sum is 3."

    run_async(assistd_bin, tmp_path, scripts.BIG_ADD, body)


def test_async_stream_close_and_run_cancel(assistd_bin, tmp_path):
    slow = scripts.script([scripts.text("one two three four", chunks=4, delay_ms=500)])

    async def body(client):
        assistant = await client.assistants.create(model="qwen-max")
        thread = await client.threads.create(messages=[{"role": "user", "content": "slowly"}])
        async with await client.runs.create(thread.id, assistant_id=assistant.id, stream=True) as stream:
            async for event, _ in stream:
                if event == "thread.message.delta":
                    break
        await client.runs.cancel(stream.run_id, thread_id=thread.id)
        assert (await client.runs.wait(stream.run_id, thread_id=thread.id)).status == "cancelled"

    run_async(assistd_bin, tmp_path, slow, body)
