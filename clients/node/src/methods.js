// The protocol's methods as a table: adding a method to the client is adding a row here.
// Each row names the JSON-RPC method, the namespace and name it appears under
// (`client.runs.submitToolOutputs`), the param its first argument fills (the SDK's order:
// the object's own id first, e.g. `runs.retrieve(runId, { thread_id })`), and whether it
// can stream (`alwaysStreams`: it answers only with a stream). A test checks the table against protocol/assistd.openrpc.json.

export const METHODS = [
  { rpc: 'assistants/create', namespace: 'assistants', name: 'create' },
  { rpc: 'assistants/list', namespace: 'assistants', name: 'list' },
  { rpc: 'assistants/retrieve', namespace: 'assistants', name: 'retrieve', positional: 'assistant_id' },
  { rpc: 'assistants/update', namespace: 'assistants', name: 'update', positional: 'assistant_id' },
  { rpc: 'assistants/delete', namespace: 'assistants', name: 'delete', positional: 'assistant_id' },
  { rpc: 'assistants/files/create', namespace: 'assistants.files', name: 'create', positional: 'assistant_id' },
  { rpc: 'assistants/files/list', namespace: 'assistants.files', name: 'list', positional: 'assistant_id' },
  { rpc: 'assistants/files/retrieve', namespace: 'assistants.files', name: 'retrieve', positional: 'file_id' },
  { rpc: 'assistants/files/delete', namespace: 'assistants.files', name: 'delete', positional: 'file_id' },
  { rpc: 'threads/create', namespace: 'threads', name: 'create' },
  { rpc: 'threads/list', namespace: 'threads', name: 'list' },
  { rpc: 'threads/retrieve', namespace: 'threads', name: 'retrieve', positional: 'thread_id' },
  { rpc: 'threads/update', namespace: 'threads', name: 'update', positional: 'thread_id' },
  { rpc: 'threads/delete', namespace: 'threads', name: 'delete', positional: 'thread_id' },
  { rpc: 'messages/create', namespace: 'messages', name: 'create', positional: 'thread_id' },
  { rpc: 'messages/list', namespace: 'messages', name: 'list', positional: 'thread_id' },
  { rpc: 'messages/retrieve', namespace: 'messages', name: 'retrieve', positional: 'message_id' },
  { rpc: 'messages/update', namespace: 'messages', name: 'update', positional: 'message_id' },
  { rpc: 'messages/files/list', namespace: 'messages.files', name: 'list', positional: 'message_id' },
  { rpc: 'messages/files/retrieve', namespace: 'messages.files', name: 'retrieve', positional: 'file_id' },
  { rpc: 'runs/create', namespace: 'runs', name: 'create', positional: 'thread_id', streams: true },
  { rpc: 'runs/createThreadAndRun', namespace: 'runs', name: 'createThreadAndRun', streams: true },
  { rpc: 'runs/list', namespace: 'runs', name: 'list', positional: 'thread_id' },
  { rpc: 'runs/retrieve', namespace: 'runs', name: 'retrieve', positional: 'run_id' },
  { rpc: 'runs/update', namespace: 'runs', name: 'update', positional: 'run_id' },
  { rpc: 'runs/submitToolOutputs', namespace: 'runs', name: 'submitToolOutputs', positional: 'run_id', streams: true },
  { rpc: 'runs/wait', namespace: 'runs', name: 'wait', positional: 'run_id' },
  { rpc: 'runs/cancel', namespace: 'runs', name: 'cancel', positional: 'run_id' },
  { rpc: 'runs/stream', namespace: 'runs', name: 'stream', positional: 'run_id', alwaysStreams: true },
  { rpc: 'steps/list', namespace: 'steps', name: 'list', positional: 'run_id' },
  { rpc: 'steps/retrieve', namespace: 'steps', name: 'retrieve', positional: 'step_id' },
];

/** Methods of the lifecycle and cancellation, sent by the client itself rather than a namespace. */
export const LIFECYCLE_METHODS = ['initialize', 'initialized', 'shutdown', 'exit', 'rpc.discover', '$/cancelRequest'];

/** Run statuses after which a run does not change by itself. */
export const TERMINAL_RUN_STATUSES = Object.freeze(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
