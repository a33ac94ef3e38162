"""The painting assistant of the quick start (non-streaming), over assistd.

Creates "Art Maestro" with the text_to_image tool, a thread, a message ("Draw a picture of a
ragdoll cat."), runs it, waits for the run and prints the assistant's answer.

The hosted service runs text_to_image itself. The local backend cannot, so this client
registers a stand-in tool of that name and sets handle_tools=True: assistd then asks this
process to run it (it writes a small SVG "sketch" and returns its path).

    ASSISTD_BIN=/path/to/assistd python painting_assistant.py
"""

import json
import os
import sys
import tempfile
from html import escape
from typing import Dict

from assistd import AssistdError, Client


def sketch(prompt: str) -> str:
    """Draw a placeholder picture for the prompt; returns its file path."""
    fd, path = tempfile.mkstemp(prefix="sketch-", suffix=".svg")
    with os.fdopen(fd, "w", encoding="utf-8") as svg:
        svg.write('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="80">'
                  '<text x="10" y="45">%s</text></svg>' % escape(prompt))
    return path


def main() -> int:
    with Client() as client:

        @client.tool(name="text_to_image")
        def text_to_image(input: str) -> Dict[str, str]:
            """For creating visual examples."""
            return {"image_url": "file://" + sketch(input), "prompt": input}

        try:
            # 1. The painting assistant
            painting_assistant = client.assistants.create(
                model="qwen-max",
                name="Art Maestro",
                description="AI assistant for painting and art knowledge",
                instructions="Provide information on painting techniques, art history, and creative guidance. "
                             "Use tools to generate images.",
                tools=[{"type": "text_to_image", "description": "For creating visual examples"}],
            )
            print("Assistant creation succeeded.")
            # 2. A new thread
            thread = client.threads.create()
            print("Thread creation succeeded.")
            # 3. The user's message
            client.messages.create(thread.id, content="Draw a picture of a ragdoll cat.")
            print("create a message succeeded.")
            # 4. Run the assistant on the thread
            run = client.runs.create(thread.id, assistant_id=painting_assistant.id, handle_tools=True)
            print("Run creation succeeded.")
            # 5. Wait for the run
            print("Waiting for the assistant to process the request...")
            run = client.runs.wait(run.id, thread_id=thread.id)
            print("Run completed, status: %s" % run.status)
            if run.status != "completed":
                print("Run not completed: %s" % (run.get("last_error"),))
                return 1
            # 6. The assistant's answer (newest message first)
            messages = client.messages.list(thread.id)
            if not messages.data:
                print("No messages found in the thread.")
                return 1
            print("\nAssistant's response:")
            print(json.dumps(messages.data[0], ensure_ascii=False, sort_keys=True, indent=4))
        except AssistdError as error:
            print("failed: %s (code %s, data %s)" % (error.message, error.code, error.data), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
