// One JSON-RPC 2.0 peer over a pair of byte streams: requests in flight, the server's
// requests and notifications, and the runs/event notifications of open streams.
import { encodeMessage, MessageReader } from './framing.js';
import { AssistdError, errorFromResponse, INTERNAL_ERROR, METHOD_NOT_FOUND, ProtocolError } from './errors.js';

export const CANCEL_REQUEST = '$/cancelRequest';
export const RUN_EVENT = 'runs/event';

export class Connection {
  #output;
  #reader = new MessageReader();
  #nextId = 1;
  #pending = new Map(); // id -> { method, resolve, reject, onEvent }
  #requestHandlers = new Map(); // method -> async (params, { signal }) => result
  #notificationHandlers = new Map(); // method -> [handler]
  #incoming = new Map(); // id of a server request -> AbortController
  #closedError = null;

  constructor(input, output) {
    this.#output = output;
    output.on('error', () => {}); // a dead child's stdin: the close path reports it
    input.on('data', (chunk) => this.#receive(chunk));
  }

  get closed() { return this.#closedError !== null; }

  /** Send a request. `onEvent(params)` gets its runs/event notifications. Returns { id, promise }. */
  request(method, params, { onEvent } = {}) {
    const id = this.#nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this.#closedError) return reject(this.#closedError);
      this.#pending.set(id, { method, resolve, reject, onEvent });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
    return { id, promise };
  }

  notify(method, params) {
    if (!this.#closedError) this.#send({ jsonrpc: '2.0', method, params });
  }

  /** Ask assistd to cancel request `id`; false when it is no longer in flight. */
  cancel(id) {
    if (!this.#pending.has(id)) return false;
    this.notify(CANCEL_REQUEST, { id });
    return true;
  }

  isPending(id) { return this.#pending.has(id); }

  setRequestHandler(method, handler) { this.#requestHandlers.set(method, handler); }

  onNotification(method, handler) {
    const list = this.#notificationHandlers.get(method) ?? [];
    list.push(handler);
    this.#notificationHandlers.set(method, list);
  }

  /** Fail every request in flight (and any later one) with `error`. */
  fail(error) {
    if (!this.#closedError) this.#closedError = error;
    for (const [id, call] of this.#pending) {
      this.#pending.delete(id);
      call.reject(error);
    }
    for (const controller of this.#incoming.values()) controller.abort(error);
    this.#incoming.clear();
  }

  #send(message) {
    this.#output.write(encodeMessage(message));
  }

  #receive(chunk) {
    let messages;
    try {
      messages = this.#reader.push(chunk);
    } catch (cause) {
      this.fail(new ProtocolError(`unreadable output from assistd: ${cause.message}`, { cause }));
      return;
    }
    for (const message of messages) {
      for (const item of Array.isArray(message) ? message : [message]) this.#dispatch(item);
    }
  }

  #dispatch(message) {
    if (typeof message?.method === 'string') {
      if (message.id !== undefined && message.id !== null) this.#serveRequest(message);
      else this.#notification(message.method, message.params);
      return;
    }
    const call = this.#pending.get(message?.id);
    if (!call) return; // an answer to a request given up on
    this.#pending.delete(message.id);
    if (message.error !== undefined) call.reject(errorFromResponse(message.error, call.method));
    else call.resolve(message.result);
  }

  #notification(method, params) {
    if (method === RUN_EVENT) {
      this.#pending.get(params?.request)?.onEvent?.(params);
    } else if (method === CANCEL_REQUEST) {
      this.#incoming.get(params?.id)?.abort(new AssistdError('assistd cancelled this call'));
    }
    for (const handler of this.#notificationHandlers.get(method) ?? []) handler(params);
  }

  async #serveRequest({ id, method, params }) {
    const handler = this.#requestHandlers.get(method);
    if (!handler) {
      this.#send({ jsonrpc: '2.0', id, error: { code: METHOD_NOT_FOUND, message: `This client does not serve ${method}` } });
      return;
    }
    const controller = new AbortController();
    this.#incoming.set(id, controller);
    let answer;
    try {
      answer = { result: await handler(params, { signal: controller.signal }) };
    } catch (error) {
      const code = error instanceof AssistdError && Number.isInteger(error.code) ? error.code : INTERNAL_ERROR;
      const message = error instanceof AssistdError ? error.rawMessage : String(error?.message ?? error);
      answer = { error: { code, message, ...(error?.data !== undefined ? { data: error.data } : {}) } };
    } finally {
      this.#incoming.delete(id);
    }
    if (!this.#closedError) this.#send({ jsonrpc: '2.0', id, ...answer });
  }
}
