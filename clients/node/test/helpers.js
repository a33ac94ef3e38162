// Test helpers: the binary under test, scripted-model files, clients that are always closed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
export const binary = process.env.ASSISTD_BIN || join(repoRoot, '.build', 'debug', 'assistd');

/** The scripted test model's replies, chosen by what the user says (protocol/runs.md). */
export const SCRIPT = {
  turns: [{ text: 'Hello there, friend.', chunks: 4, delay_ms: 20 }],
  rules: [
    { when_last_is_tool: true, turn: { text: 'The sum is {{last_tool_output}}.' } },
    { when_last_user_contains: 'add', turn: { tool_calls: [{ name: 'big_add', arguments: { left: 1, right: 2 } }] } },
    { when_last_user_contains: 'story', turn: { text: 'Once upon a time there was a story that never ends', chunks: 60, delay_ms: 100 } },
    { when_last_user_contains: 'fail', turn: { error: { kind: 'rate_limited', message: 'slow down' } } },
  ],
};

export const BIG_ADD_PARAMETERS = {
  type: 'object',
  properties: { left: { type: 'integer' }, right: { type: 'integer' } },
  required: ['left', 'right'],
};

/** A client on the local backend with the scripted model, in memory; closed after the test. */
export function startClient(t, script = SCRIPT, { extraArgs = [], ...options } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'assistd-node-test-'));
  const file = join(dir, 'script.json');
  writeFileSync(file, JSON.stringify(script));
  const client = new Client({
    bin: binary,
    args: ['--backend', 'local', '--ephemeral', '--model', `scripted:${file}`, '--log-level', 'warning', ...extraArgs],
    ...options,
  });
  t.after(async () => {
    await client.close({ timeoutMs: 5000 });
    if (client.process.exitCode === null && client.process.signalCode === null) client.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return client;
}

/** An assistant and a thread to run it on. */
export async function assistantAndThread(client, assistant = {}) {
  const created = await client.assistants.create({ model: 'scripted', name: 'test', ...assistant });
  const thread = await client.threads.create();
  return { assistant: created, thread };
}
