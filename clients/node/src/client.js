// The client: starts assistd, runs the lifecycle, exposes the API (protocol/README.md).
import { spawn } from 'node:child_process';
import { Connection } from './connection.js';
import { BinaryNotFoundError, ConnectionClosedError } from './errors.js';
import { buildNamespaces } from './resources.js';
import { RunStream } from './stream.js';
import { FunctionTool, ToolRegistry } from './tools.js';

export const VERSION = '0.1.0';
export const CLIENT_NAME = 'assistd-node';
/** This client answers `tools/call`. */
export const CLIENT_CAPABILITIES = Object.freeze({ tools: { call: true } });
const STDERR_LINES = 20;

/** `ASSISTD_ARGS`-style text split like a shell would (quotes group, no expansions). */
export function splitArgs(text) {
  const args = [];
  for (const match of String(text ?? '').matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    args.push(match[1] ?? match[2] ?? match[3]);
  }
  return args;
}

/**
 * A connection to an assistd process that this client starts and owns.
 * `bin`: the executable (default $ASSISTD_BIN, then `assistd` on PATH); `args`: extra
 * arguments (default $ASSISTD_ARGS). Requests wait for `initialize` by themselves;
 * `await client.ready` to see its result or failure. `await client.close()` ends it.
 */
export class Client {
  #child;
  #connection;
  #tools = new ToolRegistry();
  #stderrLines = [];
  #exited;
  #closing = null;
  #initialized = false;

  constructor({
    bin = process.env.ASSISTD_BIN || 'assistd',
    args = splitArgs(process.env.ASSISTD_ARGS),
    env = process.env,
    cwd,
    stderr = 'pipe',
    initializationOptions,
    clientName = CLIENT_NAME,
  } = {}) {
    this.command = [bin, '--stdio', '--framing', 'lsp', ...args];
    this.initializeResult = null;
    this.exitCode = null;
    this.#child = spawn(bin, this.command.slice(1), { env, cwd, stdio: ['pipe', 'pipe', stderr] });
    this.#connection = new Connection(this.#child.stdout, this.#child.stdin);
    this.#connection.setRequestHandler('tools/call', (params, { signal }) => this.#tools.call(params, signal));
    if (this.#child.stderr) this.#keepStderr(this.#child.stderr);
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        const failure = error.code === 'ENOENT'
          ? new BinaryNotFoundError(`no assistd executable ${JSON.stringify(bin)}: pass bin, set ASSISTD_BIN or put assistd on PATH`)
          : new ConnectionClosedError(`could not start assistd: ${error.message}`);
        this.#connection.fail(failure);
        resolve(null);
      });
      this.#child.once('close', (code, signal) => {
        this.exitCode = code;
        this.#connection.fail(this.#closedError(code, signal));
        resolve(code);
      });
    });
    Object.assign(this, buildNamespaces(this));

    const initialize = this.#connection.request('initialize', {
      processId: process.pid,
      clientInfo: { name: clientName, version: VERSION },
      capabilities: CLIENT_CAPABILITIES,
      ...(initializationOptions ? { initializationOptions } : {}),
    });
    this.ready = initialize.promise.then((result) => {
      this.initializeResult = result;
      this.#initialized = true;
      this.#connection.notify('initialized', {});
      return result;
    });
    this.ready.catch(() => {}); // reported by every request that waits for it
  }

  /** A client whose `initialize` has been answered. */
  static async start(options) {
    const client = new Client(options);
    try {
      await client.ready;
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  get pid() { return this.#child.pid; }
  get process() { return this.#child; }
  get closed() { return this.#connection.closed; }
  get backend() { return this.initializeResult?.backend; }
  get serverInfo() { return this.initializeResult?.serverInfo; }
  get protocolVersion() { return this.initializeResult?.protocolVersion; }

  /** The last lines assistd wrote to stderr (when the client keeps its stderr). */
  stderrTail() { return this.#stderrLines.join('\n'); }

  #keepStderr(stream) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      this.#stderrLines.push(...lines);
      this.#stderrLines.splice(0, Math.max(0, this.#stderrLines.length - STDERR_LINES));
    });
  }

  #closedError(code, signal) {
    const status = code === null ? `was killed by ${signal}` : `exited with status ${code}`;
    const tail = this.stderrTail();
    return new ConnectionClosedError(
      `assistd (pid ${this.#child.pid}) ${status}${tail ? `; its last stderr lines:\n${tail}` : ''}`,
      { exitCode: code, signal, stderrTail: tail },
    );
  }

  // --- calls ---

  /** Send any request once initialized; an aborted `signal` sends `$/cancelRequest`. */
  async request(method, params, { signal } = {}) {
    await this.ready;
    const { id, promise } = this.#connection.request(method, params);
    if (signal) {
      const abort = () => this.#connection.cancel(id);
      if (signal.aborted) abort();
      else {
        signal.addEventListener('abort', abort, { once: true });
        promise.finally(() => signal.removeEventListener('abort', abort)).catch(() => {});
      }
    }
    return promise;
  }

  /**
   * Send a streaming request (`stream: true` is added) and iterate its events. `runs/stream`
   * takes no `stream` flag, and its `seq`s are indexes in the run, from `after_seq + 1`.
   */
  stream(method, params, { signal } = {}) {
    const attach = method === 'runs/stream';
    const sent = attach ? params : { ...params, stream: true };
    const start = async (onEvent) => {
      await this.ready;
      return this.#connection.request(method, sent, { onEvent });
    };
    return new RunStream(this.#connection, method, start, { signal, firstSeq: attach ? (params.after_seq ?? -1) + 1 : 0 });
  }

  notify(method, params) { this.#connection.notify(method, params); }

  /** Call `handler(params)` for each notification `method` from assistd. */
  onNotification(method, handler) { this.#connection.onNotification(method, handler); }

  /** `rpc.discover`: the OpenRPC document of the protocol. */
  discover() { return this.request('rpc.discover'); }

  // --- tools ---

  /** Register `fn` as a tool this client runs: `client.tool(fn, { name, description, parameters })`. */
  tool(fn, spec) { return this.#tools.add(new FunctionTool(fn, spec)); }

  addTool(item) { return this.#tools.add(item); }

  removeTool(name) { this.#tools.remove(name); }

  get tools() { return this.#tools.list(); }

  /** Params as sent: FunctionTools in `tools` become definitions (and are registered). */
  _prepareParams(params) {
    if (!Array.isArray(params.tools)) return params;
    const tools = params.tools.map((item) => {
      if (!(item instanceof FunctionTool)) return item;
      this.#tools.add(item);
      return item.definition;
    });
    return { ...params, tools };
  }

  // --- lifecycle ---

  /** `shutdown` + `exit`, then wait for the process (killed after `timeoutMs`). Returns its exit status. */
  close({ timeoutMs = 10000 } = {}) {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs) {
    const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms, 'timeout').unref());
    await Promise.race([this.ready.catch(() => {}), deadline(timeoutMs)]);
    if (!this.#connection.closed && this.#initialized) {
      const { promise } = this.#connection.request('shutdown', null);
      await Promise.race([promise.catch(() => {}), deadline(timeoutMs)]);
    }
    this.#connection.notify('exit', null);
    this.#child.stdin.end();
    if ((await Promise.race([this.#exited, deadline(timeoutMs)])) === 'timeout') {
      this.#child.kill('SIGKILL');
    }
    return this.#exited;
  }
}

// `await using client = new Client()` where the runtime has explicit resource management.
if (typeof Symbol.asyncDispose === 'symbol') {
  Client.prototype[Symbol.asyncDispose] = function dispose() { return this.close().then(() => {}); };
}
