"""A small terminal chat that streams the assistant's replies.

Ctrl-C while a reply is streaming stops it: the stream is closed (which cancels the request)
and the run is cancelled with runs.cancel, so the thread is not left locked by an active run
and the next question works. Ctrl-C or Ctrl-D at the prompt (or /quit) ends the chat, and
assistd is shut down in order.

    ASSISTD_BIN=/path/to/assistd python chat.py
"""

import os
import sys
from typing import Optional, TextIO

from assistd import Client, RunStream

ACTIVE_STATUSES = ("queued", "in_progress", "requires_action", "cancelling")


def stop_run(client: Client, thread_id: str, stream: RunStream) -> Optional[str]:
    """Cancel the run a stream belongs to and wait until it has ended; returns its status."""
    stream.close()
    run_id = stream.run_id
    if run_id is None:  # interrupted before the first event named the run: find it
        newest = client.runs.list(thread_id, order="desc", limit=1).data
        run_id = newest[0].id if newest and newest[0].status in ACTIVE_STATUSES else None
    if run_id is None:
        return None
    client.runs.cancel(run_id, thread_id=thread_id)  # on a finished run this changes nothing
    return client.runs.wait(run_id, thread_id=thread_id).status


def reply(client: Client, thread_id: str, assistant_id: str, out: TextIO) -> None:
    """Stream one reply to ``out``; Ctrl-C stops it without leaving the run active."""
    stream = client.runs.create(thread_id, assistant_id=assistant_id, stream=True)
    out.write("assistant> ")
    out.flush()
    try:
        for text in stream.text_deltas():
            out.write(text)
            out.flush()
        out.write("\n")
    except KeyboardInterrupt:
        status = stop_run(client, thread_id, stream)
        out.write("\n[reply stopped; the run is %s]\n" % (status or "gone"))
    out.flush()


def main() -> int:
    with Client() as client:
        assistant = client.assistants.create(
            model=os.environ.get("ASSISTD_CHAT_MODEL", "qwen-max"), name="terminal chat",
            instructions="You are a helpful assistant.")
        thread = client.threads.create()
        backend = client.backend.name if client.backend is not None else "?"
        print("Chatting through assistd (%s backend). Ctrl-C stops a reply; Ctrl-C, Ctrl-D or /quit ends."
              % backend, flush=True)
        while True:
            try:
                line = input("you> ")
            except (EOFError, KeyboardInterrupt):
                print("\nbye", flush=True)
                break
            if line.strip() == "/quit":
                print("bye", flush=True)
                break
            if not line.strip():
                continue
            client.messages.create(thread.id, content=line)
            reply(client, thread.id, assistant.id, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
