"""The big_add function call of the Assistant API documents, two ways.

1. As the documents do it: the run stops in requires_action, this program reads the tool call,
   computes the sum and submits the output with runs.submit_tool_outputs.
2. With a client tool: @client.tool derives big_add's schema from its signature and docstring,
   and handle_tools=True has assistd call it here and go on to the end of the run by itself.

    ASSISTD_BIN=/path/to/assistd python function_call.py
"""

import json
import sys

from assistd import Client, object_text

BIG_ADD = {
    "type": "function",
    "function": {
        "name": "big_add",
        "description": "Add to number",
        "parameters": {
            "type": "object",
            "properties": {
                "left": {"type": "integer", "description": "The left operator"},
                "right": {"type": "integer", "description": "The right operator."},
            },
            "required": ["left", "right"],
        },
    },
}


def by_hand(client: Client) -> str:
    assistant = client.assistants.create(
        model="qwen-max", name="smart helper", description="A tool helper.",
        instructions="You are a helpful assistant. When asked a question, use tools wherever possible.",
        tools=[BIG_ADD])
    thread = client.threads.create()
    client.messages.create(thread.id, content="Add 87787 to 788988737.")
    run = client.runs.create(thread.id, assistant_id=assistant.id)
    run = client.runs.wait(run.id, thread_id=thread.id)
    print("run status: %s" % run.status)
    if run.status == "requires_action":
        outputs = []
        for tool_call in run.required_action.submit_tool_outputs.tool_calls:
            arguments = json.loads(tool_call.function.arguments)
            print("the model calls %s(%s)" % (tool_call.function.name, arguments))
            outputs.append({"tool_call_id": tool_call.id, "output": str(arguments["left"] + arguments["right"])})
        client.runs.submit_tool_outputs(run.id, thread_id=thread.id, tool_outputs=outputs)
        run = client.runs.wait(run.id, thread_id=thread.id)
        print("run status: %s" % run.status)
    answer = object_text(client.messages.list(thread.id).data[0])
    print("assistant: %s" % answer)
    return answer


def with_client_tool(client: Client) -> str:
    @client.tool
    def big_add(left: int, right: int) -> int:
        """Add to number

        Args:
            left: The left operator
            right: The right operator.
        """
        print("big_add(%d, %d) runs in this process" % (left, right))
        return left + right

    assistant = client.assistants.create(model="qwen-max", name="smart helper", tools=[big_add],
                                         instructions="Use tools wherever possible.")
    thread = client.threads.create(messages=[{"role": "user", "content": "Add 87787 to 788988737."}])
    stream = client.runs.create(thread.id, assistant_id=assistant.id, stream=True, handle_tools=True)
    for event, _ in stream:
        print("  %s" % event)
    final_run = stream.run  # the run as it stood at the end of the stream
    answer = object_text(client.messages.list(thread.id).data[0])
    print("run status: %s\nassistant: %s" % (final_run.status if final_run is not None else "unknown", answer))
    return answer


def main() -> int:
    with Client() as client:
        print("== by hand (requires_action -> submit_tool_outputs)")
        by_hand(client)
        print("== with @client.tool and handle_tools=True")
        with_client_tool(client)
    return 0


if __name__ == "__main__":
    sys.exit(main())
