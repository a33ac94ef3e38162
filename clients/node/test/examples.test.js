// The VS Code example's session module, installed as a user's project would have it
// (node_modules/assistd pointing at this package), driven against the real binary.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { binary, SCRIPT } from './helpers.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

async function installExample(t) {
  const dir = mkdtempSync(join(tmpdir(), 'assistd-node-example-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageDir, join(dir, 'node_modules', 'assistd'), 'dir');
  copyFileSync(join(packageDir, 'examples', 'vscode-extension', 'session.mjs'), join(dir, 'session.mjs'));
  writeFileSync(join(dir, 'script.json'), JSON.stringify(SCRIPT));
  const { createSession } = await import(pathToFileURL(join(dir, 'session.mjs')).href);
  const { tool } = await import(pathToFileURL(join(dir, 'node_modules', 'assistd', 'src', 'index.js')).href);
  return { createSession, tool, args: ['--backend', 'local', '--ephemeral', '--model', `scripted:${join(dir, 'script.json')}`] };
}

test('the VS Code example streams an answer, calls its tool, cancels, and exits cleanly', { timeout: 30000 }, async (t) => {
  const { createSession, tool, args } = await installExample(t);
  const bigAdd = tool(({ left, right }) => left + right, { name: 'big_add', parameters: { type: 'object' } });
  const session = await createSession({ bin: binary, args, tools: [bigAdd] });
  t.after(() => session.dispose());

  const chunks = [];
  const run = await session.ask('hi', { onText: (text) => chunks.push(text) });
  assert.equal(run.status, 'completed');
  assert.ok(chunks.length >= 3);
  assert.equal(chunks.join(''), 'Hello there, friend.');

  const sum = [];
  await session.ask('please add', { onText: (text) => sum.push(text) });
  assert.equal(sum.join(''), 'The sum is 3.');

  const controller = new AbortController();
  await assert.rejects(session.ask('tell a story', { onText: () => controller.abort(), signal: controller.signal }),
    (error) => error.code === -32800);
  const after = await session.ask('hi again');
  assert.equal(after.status, 'completed'); // the cancelled run no longer holds the thread

  assert.equal(await session.dispose(), 0);
});
