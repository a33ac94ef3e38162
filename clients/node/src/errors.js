// Errors. Server errors keep the JSON-RPC `code`, `message` and `data` (protocol/README.md, "Errors").

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const NOT_INITIALIZED = -32002;
export const REQUEST_CANCELLED = -32800;
export const NOT_FOUND = -32010;
export const UNAUTHENTICATED = -32011;
export const RATE_LIMITED = -32012;
export const UPSTREAM_FAILURE = -32013;
export const CONFLICTING_STATE = -32014;
export const UNSUPPORTED_BY_BACKEND = -32015;

/** Base of every error this package throws. `code` is null for errors of the client itself. */
export class AssistdError extends Error {
  constructor(message, { code = null, data = undefined, method = undefined, cause = undefined } = {}) {
    super(method ? `${method}${code === null ? '' : ` [${code}]`} ${message}` : message, cause ? { cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
    this.method = method;
    this.rawMessage = message;
  }

  #field(key) {
    return this.data !== null && typeof this.data === 'object' ? this.data[key] : undefined;
  }

  /** The offending parameter of an invalid-params error (`data.param`). */
  get param() { return this.#field('param'); }
  /** The service's HTTP status (`data.status_code`). */
  get statusCode() { return this.#field('status_code'); }
  /** The service's own error code (`data.code`, e.g. "InvalidApiKey"). */
  get errorCode() { return this.#field('code'); }
  get requestId() { return this.#field('request_id'); }
  /** The run keeping a thread busy (`data.active_run_id` of a conflicting-state error). */
  get activeRunId() { return this.#field('active_run_id'); }
}

/** An error answer from assistd whose code has no more specific class. */
export class ServerError extends AssistdError {}
export class ParseError extends ServerError {}
export class InvalidRequestError extends ServerError {}
export class MethodNotFoundError extends ServerError {}
export class InvalidParamsError extends ServerError {}
export class InternalError extends ServerError {}
export class NotInitializedError extends ServerError {}
/** The request was cancelled (-32800) before it finished: an aborted signal, a closed stream. */
export class RequestCancelledError extends ServerError {}
export class NotFoundError extends ServerError {}
export class AuthenticationError extends ServerError {}
export class RateLimitError extends ServerError {}
export class UpstreamError extends ServerError {}
/** The thread is busy with another run; `activeRunId` names it. */
export class ConflictError extends ServerError {}
export class UnsupportedError extends ServerError {}

/** assistd exited or its pipes closed; `exitCode` and `stderrTail` say what happened. */
export class ConnectionClosedError extends AssistdError {
  constructor(message, { exitCode = null, signal = null, stderrTail = '' } = {}) {
    super(message);
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

/** The peer broke the protocol: a bad frame, bad JSON, a gap in a stream's `seq`. */
export class ProtocolError extends AssistdError {}

/** No assistd executable: pass `bin`, set ASSISTD_BIN or put assistd on PATH. */
export class BinaryNotFoundError extends AssistdError {}

/** Throw from a tool function to answer its `tools/call` with this code and message. */
export class ToolError extends AssistdError {
  constructor(message, { code = INTERNAL_ERROR, data = undefined } = {}) {
    super(message, { code, data });
  }
}

const CLASSES = new Map([
  [PARSE_ERROR, ParseError],
  [INVALID_REQUEST, InvalidRequestError],
  [METHOD_NOT_FOUND, MethodNotFoundError],
  [INVALID_PARAMS, InvalidParamsError],
  [INTERNAL_ERROR, InternalError],
  [NOT_INITIALIZED, NotInitializedError],
  [REQUEST_CANCELLED, RequestCancelledError],
  [NOT_FOUND, NotFoundError],
  [UNAUTHENTICATED, AuthenticationError],
  [RATE_LIMITED, RateLimitError],
  [UPSTREAM_FAILURE, UpstreamError],
  [CONFLICTING_STATE, ConflictError],
  [UNSUPPORTED_BY_BACKEND, UnsupportedError],
]);

/** The error to throw for a JSON-RPC `error` member of an answer to `method`. */
export function errorFromResponse(error, method) {
  if (error === null || typeof error !== 'object') {
    return new ProtocolError(`malformed error member: ${JSON.stringify(error)}`, { method });
  }
  const message = typeof error.message === 'string' ? error.message : JSON.stringify(error.message);
  if (!Number.isInteger(error.code)) {
    return new ProtocolError(`error without an integer code: ${message}`, { data: error.data, method });
  }
  const Class = CLASSES.get(error.code) ?? ServerError;
  return new Class(message, { code: error.code, data: error.data, method });
}
