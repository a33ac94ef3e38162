// Types of the assistd Node client. The protocol's own types (every method's params and
// result, every object) are generated into protocol.d.ts from protocol/assistd.openrpc.json.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type * as P from './protocol.js';

export * from './protocol.js';

export declare const VERSION: string;
export declare const CLIENT_NAME: string;
export declare const CLIENT_CAPABILITIES: { readonly tools: { readonly call: true } };
export declare function splitArgs(text: string | undefined): string[];

// --- errors ---

export declare const PARSE_ERROR: -32700;
export declare const INVALID_REQUEST: -32600;
export declare const METHOD_NOT_FOUND: -32601;
export declare const INVALID_PARAMS: -32602;
export declare const INTERNAL_ERROR: -32603;
export declare const NOT_INITIALIZED: -32002;
export declare const REQUEST_CANCELLED: -32800;
export declare const NOT_FOUND: -32010;
export declare const UNAUTHENTICATED: -32011;
export declare const RATE_LIMITED: -32012;
export declare const UPSTREAM_FAILURE: -32013;
export declare const CONFLICTING_STATE: -32014;
export declare const UNSUPPORTED_BY_BACKEND: -32015;

export interface AssistdErrorOptions {
  code?: number | null;
  data?: unknown;
  method?: string;
  cause?: unknown;
}

/** Base of every error the client throws. `code` is null for errors of the client itself. */
export declare class AssistdError extends Error {
  constructor(message: string, options?: AssistdErrorOptions);
  /** The JSON-RPC error code, or null. */
  readonly code: number | null;
  /** The error's `data` member (the service's status_code, code, message, request_id…). */
  readonly data: unknown;
  /** The method whose answer this was. */
  readonly method: string | undefined;
  /** The message as the server wrote it (`message` adds the method and code). */
  readonly rawMessage: string;
  /** `data.param` of an invalid-params error. */
  readonly param: string | undefined;
  /** `data.status_code`: the service's HTTP status. */
  readonly statusCode: number | null | undefined;
  /** `data.code`: the service's own error code. */
  readonly errorCode: string | null | undefined;
  readonly requestId: string | null | undefined;
  /** `data.active_run_id` of a conflicting-state error. */
  readonly activeRunId: string | undefined;
}
export declare class ServerError extends AssistdError {}
export declare class ParseError extends ServerError {}
export declare class InvalidRequestError extends ServerError {}
export declare class MethodNotFoundError extends ServerError {}
export declare class InvalidParamsError extends ServerError {}
export declare class InternalError extends ServerError {}
export declare class NotInitializedError extends ServerError {}
export declare class RequestCancelledError extends ServerError {}
export declare class NotFoundError extends ServerError {}
export declare class AuthenticationError extends ServerError {}
export declare class RateLimitError extends ServerError {}
export declare class UpstreamError extends ServerError {}
export declare class ConflictError extends ServerError {}
export declare class UnsupportedError extends ServerError {}
export declare class ConnectionClosedError extends AssistdError {
  constructor(message: string, options?: { exitCode?: number | null; signal?: string | null; stderrTail?: string });
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
}
export declare class ProtocolError extends AssistdError {}
export declare class BinaryNotFoundError extends AssistdError {}
/** Throw from a tool function to answer its `tools/call` with this code and message. */
export declare class ToolError extends AssistdError {
  constructor(message: string, options?: { code?: number; data?: unknown });
}
export declare function errorFromResponse(error: unknown, method?: string): AssistdError;

// --- tools ---

export interface ToolContext {
  /** Aborted when assistd cancels the call (`$/cancelRequest`) or the connection closes. */
  signal: AbortSignal;
  /** The `tools/call` params: request, thread_id, run_id, tool_call. */
  call: P.ToolsCallParams;
}
export type ToolFunction<A = any> = (args: A, context: ToolContext) => unknown | Promise<unknown>;
export interface ToolSpec {
  /** Default: the function's name. */
  name?: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters?: Record<string, unknown>;
}
/** A function plus its function-tool definition; put it in `tools: [...]`. */
export declare class FunctionTool<A = any> {
  constructor(fn: ToolFunction<A>, spec?: ToolSpec);
  readonly fn: ToolFunction<A>;
  readonly name: string;
  readonly description: string | undefined;
  readonly parameters: Record<string, unknown>;
  readonly definition: P.Tool;
  toJSON(): P.Tool;
}
export declare function tool<A = any>(fn: ToolFunction<A>, spec?: ToolSpec): FunctionTool<A>;
/** A tool's value as output text: a string as it is, anything else as JSON. */
export declare function outputText(value: unknown): string;

// --- streams ---

export interface RunStreamItem {
  /** thread.run.created, thread.message.delta, …, thread.run.completed (`done` is swallowed). */
  event: string;
  data: any;
  seq: number;
}
export declare const DONE_EVENT: 'done';
export declare function deltaText(data: P.MessageDelta | unknown): string;

/**
 * The events of a streaming run. Leaving a `for await` early or `close()` sends
 * `$/cancelRequest`, as does the request's `signal`; the loop then throws
 * RequestCancelledError. That stops the stream; `client.runs.cancel` stops the run.
 */
export declare class RunStream implements AsyncIterableIterator<RunStreamItem> {
  readonly method: string;
  /** The JSON-RPC id of the request (null until sent). */
  readonly requestId: number | null;
  /** The run as it stands at the end of the stream (null until then). */
  readonly run: P.Run | null;
  readonly runId: string | null;
  readonly threadId: string | null;
  readonly finished: boolean;
  next(): Promise<IteratorResult<RunStreamItem, undefined>>;
  return(): Promise<IteratorResult<RunStreamItem, undefined>>;
  [Symbol.asyncIterator](): RunStream;
  /** Stop listening; sends `$/cancelRequest` if the request is in flight. */
  close(): void;
  /** Cancel the request and wait: the final run if it finished anyway, null if cancelled. */
  cancel(): Promise<P.Run | null>;
  /** Only the reply's text, as it arrives. */
  textDeltas(): AsyncGenerator<string, void, undefined>;
  events(): Promise<RunStreamItem[]>;
  finalRun(): Promise<P.Run | null>;
}

// --- namespaces ---

export interface RequestOptions {
  /** Aborting it sends `$/cancelRequest`; the call then rejects with RequestCancelledError. */
  signal?: AbortSignal;
}

type ToolInput = P.Tool | FunctionTool;
type WithTools<T> = T extends { tools?: unknown } ? Omit<T, 'tools'> & { tools?: ToolInput[] } : T;
/** The params of method M less the ones given positionally (K), with FunctionTools allowed. */
type Params<M extends P.ClientMethod, K extends string = never> = WithTools<Omit<P.ParamsOf<M>, K>>;
type Result<M extends P.ClientMethod> = Promise<P.ResultOf<M>>;

/** A method whose first argument is an id and whose other params are all optional. */
type ById<M extends P.ClientMethod, K extends string> =
  (id: string, params?: Params<M, K>, options?: RequestOptions) => Result<M>;
/** A method whose first argument is an id and that needs more params. */
type ByIdWith<M extends P.ClientMethod, K extends string> =
  (id: string, params: Params<M, K>, options?: RequestOptions) => Result<M>;
type NoId<M extends P.ClientMethod> = (params?: Params<M>, options?: RequestOptions) => Result<M>;
type NoIdWith<M extends P.ClientMethod> = (params: Params<M>, options?: RequestOptions) => Result<M>;

/** A run method: a RunStream with `stream: true`, else the run. */
type Attaching<M extends P.ClientMethod, K extends string> =
  (id: string, params: Params<M, K>, options?: RequestOptions) => RunStream;
interface StreamingById<M extends P.ClientMethod, K extends string> {
  (id: string, params: Params<M, K | 'stream'> & { stream: true }, options?: RequestOptions): RunStream;
  (id: string, params: Params<M, K | 'stream'> & { stream?: false }, options?: RequestOptions): Result<M>;
}
interface StreamingNoId<M extends P.ClientMethod> {
  (params: Params<M, 'stream'> & { stream: true }, options?: RequestOptions): RunStream;
  (params: Params<M, 'stream'> & { stream?: false }, options?: RequestOptions): Result<M>;
}

export interface AssistantFiles {
  create: ByIdWith<'assistants/files/create', 'assistant_id'>;
  list: ById<'assistants/files/list', 'assistant_id'>;
  retrieve: ByIdWith<'assistants/files/retrieve', 'file_id'>;
  delete: ByIdWith<'assistants/files/delete', 'file_id'>;
}
export interface Assistants {
  create: NoIdWith<'assistants/create'>;
  list: NoId<'assistants/list'>;
  retrieve: ById<'assistants/retrieve', 'assistant_id'>;
  update: ById<'assistants/update', 'assistant_id'>;
  delete: ById<'assistants/delete', 'assistant_id'>;
  files: AssistantFiles;
}
export interface Threads {
  create: NoId<'threads/create'>;
  list: NoId<'threads/list'>;
  retrieve: ById<'threads/retrieve', 'thread_id'>;
  update: ById<'threads/update', 'thread_id'>;
  delete: ById<'threads/delete', 'thread_id'>;
  /** runs/createThreadAndRun, as the SDK spells it. */
  createAndRun: StreamingNoId<'runs/createThreadAndRun'>;
}
export interface MessageFiles {
  list: ByIdWith<'messages/files/list', 'message_id'>;
  retrieve: ByIdWith<'messages/files/retrieve', 'file_id'>;
}
export interface Messages {
  create: ByIdWith<'messages/create', 'thread_id'>;
  list: ById<'messages/list', 'thread_id'>;
  retrieve: ByIdWith<'messages/retrieve', 'message_id'>;
  update: ByIdWith<'messages/update', 'message_id'>;
  files: MessageFiles;
}
export interface Runs {
  create: StreamingById<'runs/create', 'thread_id'>;
  createThreadAndRun: StreamingNoId<'runs/createThreadAndRun'>;
  list: ById<'runs/list', 'thread_id'>;
  retrieve: ByIdWith<'runs/retrieve', 'run_id'>;
  update: ByIdWith<'runs/update', 'run_id'>;
  submitToolOutputs: StreamingById<'runs/submitToolOutputs', 'run_id'>;
  wait: ByIdWith<'runs/wait', 'run_id'>;
  cancel: ByIdWith<'runs/cancel', 'run_id'>;
  /** Attach to a run's stream: events after `after_seq`, then live ones; `seq` is the index in the run. */
  stream: Attaching<'runs/stream', 'run_id'>;
}
export interface Steps {
  list: ByIdWith<'steps/list', 'run_id'>;
  retrieve: ByIdWith<'steps/retrieve', 'step_id'>;
}

// --- the client ---

export interface ClientOptions {
  /** The executable. Default: $ASSISTD_BIN, then `assistd` on PATH. */
  bin?: string;
  /** Extra arguments, e.g. ['--backend', 'local', '--ephemeral']. Default: $ASSISTD_ARGS. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** assistd's stderr: 'pipe' (default; its last lines name a crash), 'inherit' or 'ignore'. */
  stderr?: 'pipe' | 'inherit' | 'ignore';
  /** Sent in `initialize` (settings of the dashscope backend for this connection). */
  initializationOptions?: P.InitializeParams['initializationOptions'];
  clientName?: string;
}

export declare class Client {
  constructor(options?: ClientOptions);
  /** A client whose `initialize` has been answered (closed again if it failed). */
  static start(options?: ClientOptions): Promise<Client>;
  /** `initialize`'s result; rejects if assistd could not be started or initialized. */
  readonly ready: Promise<P.InitializeResult>;
  readonly initializeResult: P.InitializeResult | null;
  readonly command: string[];
  readonly exitCode: number | null;
  readonly pid: number | undefined;
  readonly process: ChildProcess;
  readonly closed: boolean;
  readonly backend: P.InitializeResult['backend'] | undefined;
  readonly serverInfo: P.InitializeResult['serverInfo'] | undefined;
  readonly protocolVersion: string | undefined;

  readonly assistants: Assistants;
  readonly threads: Threads;
  readonly messages: Messages;
  readonly runs: Runs;
  readonly steps: Steps;

  /** Any request, once initialized. */
  request<M extends P.ClientMethod>(method: M, params?: P.ParamsOf<M>, options?: RequestOptions): Promise<P.ResultOf<M>>;
  request(method: string, params?: unknown, options?: RequestOptions): Promise<unknown>;
  /** A streaming request (`stream: true` is added). */
  stream(method: string, params: Record<string, unknown>, options?: RequestOptions): RunStream;
  notify(method: string, params?: unknown): void;
  onNotification<M extends keyof P.ServerNotifications>(method: M, handler: (params: P.ServerNotifications[M]) => void): void;
  onNotification(method: string, handler: (params: any) => void): void;
  /** `rpc.discover`: the OpenRPC document. */
  discover(): Promise<P.RpcDiscoverResult>;

  /** Register `fn` as a tool answered through `tools/call`; returns it as a FunctionTool. */
  tool<A = any>(fn: ToolFunction<A>, spec?: ToolSpec): FunctionTool<A>;
  addTool(item: FunctionTool | ToolFunction): FunctionTool;
  removeTool(name: string): void;
  readonly tools: FunctionTool[];

  /** The last lines assistd wrote to stderr. */
  stderrTail(): string;
  /** `shutdown` + `exit`, then wait for the exit (killed after timeoutMs). The exit status. */
  close(options?: { timeoutMs?: number }): Promise<number | null>;
}

// --- lower level ---

export declare function encodeMessage(message: unknown): Buffer;
export declare class MessageReader {
  push(chunk: Buffer): unknown[];
}
export declare class Connection {
  constructor(input: Readable, output: Writable);
  readonly closed: boolean;
  request(method: string, params: unknown, options?: { onEvent?: (params: P.RunsEventParams) => void }): { id: number; promise: Promise<any> };
  notify(method: string, params: unknown): void;
  cancel(id: number): boolean;
  isPending(id: number): boolean;
  setRequestHandler(method: string, handler: (params: any, context: { signal: AbortSignal }) => unknown): void;
  onNotification(method: string, handler: (params: any) => void): void;
  fail(error: Error): void;
}

export interface MethodSpec {
  rpc: P.ClientMethod;
  namespace: string;
  name: string;
  positional?: string;
  streams?: boolean;
}
export declare const METHODS: readonly MethodSpec[];
export declare const LIFECYCLE_METHODS: readonly string[];
export declare const TERMINAL_RUN_STATUSES: readonly P.RunStatus[];
