// The client against the real assistd (local backend, scripted model, in memory).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BinaryNotFoundError, Client, ConnectionClosedError, InvalidParamsError, NotFoundError,
  RequestCancelledError, tool,
} from '../src/index.js';
import { assistantAndThread, BIG_ADD_PARAMETERS, binary, SCRIPT, startClient } from './helpers.js';

const STORY = SCRIPT.rules.find((rule) => rule.when_last_user_contains === 'story').turn.text;

const T = { timeout: 30000 };

test('start: initialize answers with the local backend and the scripted model', T, async (t) => {
  const client = startClient(t);
  const result = await client.ready;
  assert.equal(result.protocolVersion.split('.')[0], '1');
  assert.equal(client.backend.name, 'local');
  assert.match(client.backend.model, /^scripted /);
  assert.ok(result.capabilities.methods.includes('runs/create'));
});

test('stream: the reply arrives as several text deltas, then the final run', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  await client.messages.create(thread.id, { content: 'hi' });
  const stream = client.runs.create(thread.id, { assistant_id: assistant.id, stream: true });
  const deltas = [];
  for await (const text of stream.textDeltas()) deltas.push(text);
  assert.ok(deltas.length >= 3, `deltas: ${JSON.stringify(deltas)}`);
  assert.equal(deltas.join(''), 'Hello there, friend.');
  assert.equal(stream.run.status, 'completed');
  assert.equal(stream.runId, stream.run.id);
  assert.equal(stream.threadId, thread.id);
  const messages = await client.messages.list(thread.id, { order: 'asc' });
  assert.deepEqual(messages.data.map((m) => m.content[0].text.value), ['hi', 'Hello there, friend.']);
});

test('stream: events come in order, without done, and match the protocol', T, async (t) => {
  const client = startClient(t);
  const { assistant } = await assistantAndThread(client);
  const stream = client.runs.createThreadAndRun({
    assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'hi' }] }, stream: true,
  });
  const items = await stream.events();
  const events = items.map((item) => item.event);
  assert.equal(events[0], 'thread.created');
  assert.equal(events.at(-1), 'thread.run.completed');
  assert.ok(!events.includes('done'));
  assert.deepEqual(items.map((item) => item.seq), items.map((_, index) => index));
  assert.equal(stream.run.thread_id, stream.threadId);
});

test('runs.stream: a finished run replays with the same seqs, and resumes after after_seq', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  await client.messages.create(thread.id, { content: 'hi' });
  const original = client.runs.create(thread.id, { assistant_id: assistant.id, stream: true });
  const items = await original.events();
  const replay = await client.runs.stream(original.run.id, { thread_id: thread.id }).events();
  assert.deepEqual(replay.map((item) => [item.seq, item.event]), items.map((item) => [item.seq, item.event]));
  const after = items.at(-3).seq;
  const tail = client.runs.stream(original.run.id, { thread_id: thread.id, after_seq: after });
  const rest = await tail.events();
  assert.deepEqual(rest.map((item) => item.seq), [after + 1, after + 2]);
  assert.equal(tail.run.status, 'completed');
});

test('tools: a JavaScript function answers tools/call and the run goes on to its end', T, async (t) => {
  const client = startClient(t);
  const calls = [];
  const bigAdd = client.tool(({ left, right }, { call }) => {
    calls.push({ left, right, run: call.run_id });
    return left + right;
  }, { name: 'big_add', description: 'Add two numbers', parameters: BIG_ADD_PARAMETERS });
  const { assistant, thread } = await assistantAndThread(client, { tools: [bigAdd] });
  assert.deepEqual(assistant.tools, [bigAdd.definition]);
  const stream = client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, handle_tools: true,
    additional_messages: [{ role: 'user', content: 'please add 1 and 2' }],
  });
  const text = [];
  for await (const delta of stream.textDeltas()) text.push(delta);
  assert.equal(text.join(''), 'The sum is 3.');
  assert.deepEqual(calls, [{ left: 1, right: 2, run: stream.runId }]);
  assert.equal(stream.run.status, 'completed');
  const steps = await client.steps.list(stream.runId, { thread_id: thread.id });
  const toolStep = steps.data.find((step) => step.type === 'tool_calls');
  assert.equal(toolStep.step_details.tool_calls[0].function.output, '3');
});

test('tools: a tool that throws becomes an output that says so', T, async (t) => {
  const client = startClient(t);
  const broken = tool(() => { throw new Error('overflow in the adder'); }, { name: 'big_add', parameters: BIG_ADD_PARAMETERS });
  const { assistant, thread } = await assistantAndThread(client);
  const stream = client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, handle_tools: true, tools: [broken],
    additional_messages: [{ role: 'user', content: 'please add' }],
  });
  const text = (await collect(stream.textDeltas())).join('');
  assert.match(text, /^The sum is Error: .*big_add.*overflow in the adder/);
});

test('tools: a call assistd gives up on is cancelled through the tool\'s signal', T, async (t) => {
  const slow = startClient(t, SCRIPT, { extraArgs: ['--tool-call-timeout', '1'] });
  const aborted = [];
  slow.tool((_args, { signal }) => new Promise((resolve) => {
    signal.addEventListener('abort', () => { aborted.push(signal.reason?.message); resolve('too late'); });
  }), { name: 'big_add', parameters: BIG_ADD_PARAMETERS });
  const { assistant, thread } = await assistantAndThread(slow);
  const run = await slow.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, handle_tools: true, tools: slow.tools,
    additional_messages: [{ role: 'user', content: 'please add' }],
  }).finalRun();
  assert.equal(aborted.length, 1);
  assert.equal(run.status, 'completed');
  const messages = await slow.messages.list(thread.id, { order: 'desc', limit: 1 });
  assert.match(messages.data[0].content[0].text.value, /^The sum is Error: .*big_add/);
});

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

test('cancel: aborting the signal sends $/cancelRequest; runs.cancel stops the run', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  const controller = new AbortController();
  const stream = client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, additional_messages: [{ role: 'user', content: 'tell a story' }],
  }, { signal: controller.signal });
  const text = [];
  await assert.rejects(async () => {
    for await (const delta of stream.textDeltas()) {
      text.push(delta);
      controller.abort();
    }
  }, (error) => error instanceof RequestCancelledError && error.code === -32800);
  // One delta, then the loop ended: the rest of the story never came.
  assert.equal(text.length, 1);
  assert.ok(STORY.startsWith(text[0]) && text[0].length < STORY.length);
  assert.equal(stream.run, null);
  // The stream stopped; the run did not. Stop it, and the thread takes the next run.
  const cancelling = await client.runs.cancel(stream.runId, { thread_id: thread.id });
  assert.ok(['cancelling', 'cancelled'].includes(cancelling.status));
  const run = await client.runs.wait(stream.runId, { thread_id: thread.id, timeout_ms: 10000 });
  assert.equal(run.status, 'cancelled');
  const next = await client.runs.create(thread.id, { assistant_id: assistant.id, stream: true,
    additional_messages: [{ role: 'user', content: 'hi' }] }).finalRun();
  assert.equal(next.status, 'completed');
});

test('cancel: leaving a for await loop early cancels the stream\'s request', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  const stream = client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, additional_messages: [{ role: 'user', content: 'tell a story' }],
  });
  const started = Date.now();
  for await (const item of stream) {
    if (item.event === 'thread.message.delta') break;
  }
  assert.ok(stream.finished);
  // The stream would take 6 s; a cancelled one lets runs.cancel and wait finish at once.
  await client.runs.cancel(stream.runId, { thread_id: thread.id });
  const run = await client.runs.wait(stream.runId, { thread_id: thread.id, timeout_ms: 10000 });
  assert.equal(run.status, 'cancelled');
  assert.ok(Date.now() - started < 5000);
});

test('cancel: stream.cancel() waits for the answer and returns null once cancelled', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  const stream = client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, additional_messages: [{ role: 'user', content: 'tell a story' }],
  });
  const first = await stream.next();
  assert.equal(first.value.event, 'thread.run.created');
  assert.equal(await stream.cancel(), null);
  await client.runs.cancel(stream.runId, { thread_id: thread.id });
});

test('errors: a JSON-RPC error is a class with code, message and data', T, async (t) => {
  const client = startClient(t);
  await assert.rejects(client.threads.retrieve('thread_missing'), (error) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.code, -32010);
    assert.equal(error.method, 'threads/retrieve');
    assert.match(error.rawMessage, /thread_missing/);
    assert.equal(error.statusCode, 404);
    assert.equal(error.data.id, 'thread_missing');
    return true;
  });
  await assert.rejects(client.messages.create('thread_x', { content: 'hi', role: 'robot' }),
    (error) => error instanceof InvalidParamsError && error.code === -32602 && error.param === 'role');
});

test('errors: a failed run carries last_error', T, async (t) => {
  const client = startClient(t);
  const { assistant, thread } = await assistantAndThread(client);
  const run = await client.runs.create(thread.id, {
    assistant_id: assistant.id, stream: true, additional_messages: [{ role: 'user', content: 'please fail' }],
  }).finalRun();
  assert.equal(run.status, 'failed');
  assert.equal(run.last_error.code, 'rate_limit_exceeded');
  assert.match(run.last_error.message, /slow down/);
});

test('exit: close() sends shutdown and exit; assistd exits 0; later calls fail', T, async (t) => {
  const client = startClient(t);
  await client.ready;
  assert.equal(await client.close(), 0);
  assert.equal(client.exitCode, 0);
  await assert.rejects(client.threads.create(), ConnectionClosedError);
});

test('exit: a binary that is missing or dies is reported, not hung on', T, async () => {
  const missing = new Client({ bin: '/nonexistent/assistd' });
  await assert.rejects(missing.ready, BinaryNotFoundError);
  await missing.close({ timeoutMs: 2000 });
  const dying = new Client({ bin: binary, args: ['--no-such-flag'] });
  await assert.rejects(dying.ready, (error) => error instanceof ConnectionClosedError && error.exitCode !== 0);
  await dying.close({ timeoutMs: 2000 });
});
