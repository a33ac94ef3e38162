// assistd for Node: DashScope's Assistant API served by a local assistd process over JSON-RPC.
export { Client, CLIENT_CAPABILITIES, CLIENT_NAME, VERSION, splitArgs } from './client.js';
export { Connection } from './connection.js';
export * from './errors.js';
export { encodeMessage, MessageReader } from './framing.js';
export { LIFECYCLE_METHODS, METHODS, TERMINAL_RUN_STATUSES } from './methods.js';
export { deltaText, DONE_EVENT, RunStream } from './stream.js';
export { FunctionTool, outputText, tool } from './tools.js';
