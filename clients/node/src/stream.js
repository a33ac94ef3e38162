// The async iterator of a streaming run: `{ event, data, seq }` items as assistd sends them.
import { ProtocolError, RequestCancelledError } from './errors.js';

export const DONE_EVENT = 'done';

/** The text of a `thread.message.delta` object. */
export function deltaText(data) {
  const parts = data?.delta?.content;
  if (!Array.isArray(parts)) return '';
  return parts.map((part) => (typeof part?.text?.value === 'string' ? part.text.value : '')).join('');
}

/**
 * Iterate with `for await (const { event, data } of stream)`; `done` is swallowed. After the
 * last item, `stream.run` is the run as it stands at the end (the request's answer).
 * Leaving the loop early (`break`, an exception) or `close()` sends `$/cancelRequest`; so does
 * the `signal` given to the request when it aborts. Cancelling stops the *stream* (the loop
 * then throws RequestCancelledError); `client.runs.cancel` stops the *run*.
 */
export class RunStream {
  #connection;
  #queue = [];
  #wakers = [];
  #answer = null; // the request's answer: { kind: 'result', run } or { kind: 'error', error }
  #finished = false; // the answer has been taken from the queue, or the caller left
  #cancelWanted = false;
  #nextSeq = 0;
  #started;

  /** `start(onEvent)` sends the request once the client is ready and returns { id, promise }. */
  constructor(connection, method, start, { signal, firstSeq = 0 } = {}) {
    this.#connection = connection;
    this.#nextSeq = firstSeq;
    this.method = method;
    this.requestId = null;
    this.run = null;
    this.runId = null;
    this.threadId = null;
    this.#started = start((params) => this.#onEvent(params)).then(
      ({ id, promise }) => {
        this.requestId = id;
        if (this.#cancelWanted) this.#connection.cancel(id);
        promise.then(
          (run) => this.#push({ kind: 'result', run }),
          (error) => this.#push({ kind: 'error', error }),
        );
      },
      (error) => this.#push({ kind: 'error', error }),
    );
    if (signal) {
      if (signal.aborted) this.#requestCancel();
      else signal.addEventListener('abort', () => this.#requestCancel(), { once: true });
    }
  }

  get finished() { return this.#finished; }

  #requestCancel() {
    if (this.#answer) return;
    this.#cancelWanted = true;
    if (this.requestId !== null) this.#connection.cancel(this.requestId);
  }

  #onEvent({ seq, event, data }) {
    if (seq !== this.#nextSeq) {
      this.#push({ kind: 'error', error: new ProtocolError(`runs/event seq ${seq} after ${this.#nextSeq - 1}`) });
      return;
    }
    this.#nextSeq += 1;
    this.#observe(data);
    if (event !== DONE_EVENT) this.#push({ kind: 'event', item: { event, data, seq } });
  }

  #observe(data) {
    if (data === null || typeof data !== 'object') return;
    if (data.object === 'thread.run') {
      this.runId = data.id ?? this.runId;
      this.threadId = data.thread_id ?? this.threadId;
    } else if (data.object === 'thread') {
      this.threadId = data.id ?? this.threadId;
    } else if (typeof data.run_id === 'string' && data.run_id) {
      this.runId ??= data.run_id;
      if (typeof data.thread_id === 'string' && data.thread_id) this.threadId ??= data.thread_id;
    }
  }

  #push(entry) {
    if (entry.kind !== 'event') this.#answer = entry;
    if (entry.kind === 'result' && entry.run && typeof entry.run === 'object') {
      this.run = entry.run;
      this.#observe(entry.run);
    }
    this.#queue.push(entry);
    for (const wake of this.#wakers.splice(0)) wake();
  }

  async #take() {
    while (this.#queue.length === 0) await new Promise((resolve) => this.#wakers.push(resolve));
    return this.#queue.shift();
  }

  async next() {
    while (!this.#finished) {
      const entry = await this.#take();
      if (entry.kind === 'event') {
        // Once cancelled, events still arriving before the answer are dropped.
        if (!this.#finished && !this.#cancelWanted) return { value: entry.item, done: false };
        continue;
      }
      this.#finished = true;
      if (entry.kind === 'error') throw entry.error;
    }
    return { value: undefined, done: true };
  }

  /** Called when a `for await` loop is left early: cancel the request if still in flight. */
  async return() {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() { return this; }

  /** Stop listening; if the request is still in flight, send `$/cancelRequest`. */
  close() {
    if (this.#finished) return;
    this.#finished = true;
    this.#requestCancel();
  }

  /** Cancel the request and wait for its answer: the run if it finished anyway, null if cancelled. */
  async cancel() {
    this.#finished = true;
    this.#requestCancel();
    await this.#started;
    while (!this.#answer) await this.#take(); // events still arriving are dropped
    if (this.#answer.kind === 'result') return this.#answer.run;
    if (this.#answer.error instanceof RequestCancelledError) return null;
    throw this.#answer.error;
  }

  /** Only the reply's text, as it arrives. */
  async *textDeltas() {
    for await (const { event, data } of this) {
      if (event === 'thread.message.delta') {
        const text = deltaText(data);
        if (text) yield text;
      }
    }
  }

  /** Consume the stream; every item in an array. */
  async events() {
    const items = [];
    for await (const item of this) items.push(item);
    return items;
  }

  /** Consume the rest of the stream and return the final run. */
  async finalRun() {
    for await (const _ of this); // eslint-disable-line no-unused-vars
    return this.run;
  }
}
