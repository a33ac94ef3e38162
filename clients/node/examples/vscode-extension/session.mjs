// The assistd side of the example extension, free of the `vscode` module so it runs (and is
// tested) anywhere: one assistd process, one assistant, one thread, a streamed reply per ask.
import { Client } from 'assistd';

/**
 * Start assistd and keep one conversation.
 * `bin`/`args`: how to start assistd (the extension reads them from its settings).
 * `tools`: FunctionTools the assistant may call; they run in the extension host.
 */
export async function createSession({ bin, args = [], assistant = {}, tools = [] } = {}) {
  const client = await Client.start({ bin, args });
  const created = await client.assistants.create({
    model: 'qwen-max', name: 'VS Code', instructions: 'You are a helpful assistant.', tools, ...assistant,
  });
  let thread = await client.threads.create();

  return {
    client,
    get threadId() { return thread.id; },

    /**
     * Ask a question; `onText(chunk)` gets the reply as it streams. Resolves with the final
     * run (check `run.status` and `run.last_error`). Aborting `signal` stops the reply and
     * cancels the run; the promise then rejects with RequestCancelledError.
     */
    async ask(question, { onText = () => {}, signal } = {}) {
      const stream = client.runs.create(thread.id, {
        assistant_id: created.id,
        stream: true,
        handle_tools: tools.length > 0,
        additional_messages: [{ role: 'user', content: question }],
      }, { signal });
      try {
        for await (const chunk of stream.textDeltas()) onText(chunk);
        return stream.run;
      } catch (error) {
        // The stream is cancelled; stop the run too, so the thread takes the next question.
        if (signal?.aborted && stream.runId) {
          await client.runs.cancel(stream.runId, { thread_id: thread.id });
          await client.runs.wait(stream.runId, { thread_id: thread.id, timeout_ms: 10000 });
        }
        throw error;
      }
    },

    /** Start a new conversation. */
    async reset() { thread = await client.threads.create(); },

    /** Shut assistd down; resolves with its exit status. */
    dispose() { return client.close(); },
  };
}
