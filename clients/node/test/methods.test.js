// The method table and the hand-written types against the protocol's OpenRPC document.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LIFECYCLE_METHODS, METHODS } from '../src/index.js';
import { resolvePointer } from '../scripts/generate-types.mjs';

const doc = JSON.parse(readFileSync(new URL('../../../protocol/assistd.openrpc.json', import.meta.url), 'utf8'));
const methods = doc.methods.map((entry) => (entry.$ref ? resolvePointer(doc, entry.$ref) : entry));
const paramNames = (method) => (method.params ?? []).map((p) => (p.$ref ? resolvePointer(doc, p.$ref) : p).name);

test('the table has every client-to-server method of the protocol, and only those', () => {
  const expected = methods
    .filter((m) => m['x-assistd-direction'] === 'client-to-server' && !LIFECYCLE_METHODS.includes(m.name))
    .map((m) => m.name).sort();
  assert.deepEqual(METHODS.map((m) => m.rpc).sort(), expected);
});

test('positional ids are params of their method; streaming methods are those with a stream param', () => {
  for (const spec of METHODS) {
    const names = paramNames(methods.find((m) => m.name === spec.rpc));
    if (spec.positional) assert.ok(names.includes(spec.positional), `${spec.rpc} has no ${spec.positional}`);
    assert.equal(Boolean(spec.streams), names.includes('stream'), spec.rpc);
  }
});

test('index.d.ts types every method of the table', () => {
  const types = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  for (const spec of METHODS) {
    assert.match(types, new RegExp(`  ${spec.name}: \\w+<'${spec.rpc.replace(/\//g, '\\/')}'`), spec.rpc);
  }
});
