"""Against the real binary: many calls in flight from several threads at once."""

import threading

from assistd import object_text
import scripts


def test_parallel_threads_each_with_their_own_streaming_run(make_client):
    client = make_client(scripts.script([scripts.text("Reply 🎨 from the model", chunks=5)]))
    assistant = client.assistants.create(model="qwen-max")
    results = {}
    errors = []

    def conversation(n):
        try:
            thread = client.threads.create(metadata={"n": str(n)})
            client.messages.create(thread.id, content="question %d 猫" % n)
            stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True)
            text = "".join(stream.text_deltas())
            results[n] = (text, stream.run.status, stream.thread_id == thread.id)
        except Exception as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=conversation, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors
    assert results == {n: ("Reply 🎨 from the model", "completed", True) for n in range(8)}


def test_many_small_calls_from_many_threads(client):
    thread = client.threads.create()
    created = []
    lock = threading.Lock()

    def add(n):
        message = client.messages.create(thread.id, content="message %d" % n)
        with lock:
            created.append(message.id)

    workers = [threading.Thread(target=add, args=(n,)) for n in range(24)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    listed = client.messages.list(thread.id, limit=100)
    assert sorted(m.id for m in listed.data) == sorted(created) and len(created) == 24
    assert {object_text(m) for m in listed.data} == {"message %d" % n for n in range(24)}
