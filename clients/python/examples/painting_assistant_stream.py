"""The painting assistant of the quick start, streaming: events are printed as they arrive.

    ASSISTD_BIN=/path/to/assistd python painting_assistant_stream.py
"""

import json
import sys
from typing import Dict

from assistd import Client, object_text


def main() -> int:
    with Client() as client:

        @client.tool(name="text_to_image")
        def text_to_image(input: str) -> Dict[str, str]:
            """For creating visual examples (a stand-in where the backend cannot draw)."""
            return {"image_url": "https://example.invalid/sketch.png", "prompt": input}

        painting_assistant = client.assistants.create(
            model="qwen-max",
            name="Art Maestro",
            description="AI assistant for painting and art knowledge",
            instructions="Provide information on painting techniques, art history, and creative guidance. "
                         "Use tools to research and to generate images.",
            tools=[{"type": "text_to_image", "description": "For creating visual examples"}],
        )
        print(painting_assistant)
        # A new thread holding the first message
        thread = client.threads.create(messages=[{"role": "user", "content": "Draw a picture of a ragdoll cat."}])
        print(thread)
        # A streaming run: (event, data) pairs as they arrive
        run_iterator = client.runs.create(thread.id, assistant_id=painting_assistant.id, stream=True,
                                          handle_tools=True)
        print("Processing request...")
        for event, msg in run_iterator:
            print(event)
            print(msg)
        final_run = run_iterator.run  # the run as it stood at the end of the stream
        print("Run status: %s" % (final_run.status if final_run is not None else "unknown"))
        messages = client.messages.list(thread.id)
        print("\nAssistant's response:")
        print(json.dumps(messages, ensure_ascii=False, sort_keys=True, indent=4))
        print("\nText: %s" % object_text(messages.data[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
