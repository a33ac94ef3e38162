// LSP framing, in pieces and with multibyte text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage, MessageReader } from '../src/index.js';

test('Content-Length counts bytes; messages split anywhere are put back together', () => {
  const first = { jsonrpc: '2.0', id: 1, result: { text: 'héllo — 你好' } };
  const second = { jsonrpc: '2.0', method: 'runs/event', params: { seq: 0 } };
  const bytes = Buffer.concat([encodeMessage(first), encodeMessage(second)]);
  assert.match(bytes.toString('utf8'), /^Content-Length: (\d+)\r\n\r\n/);
  assert.equal(Number(/^Content-Length: (\d+)/.exec(bytes.toString())[1]), Buffer.byteLength(JSON.stringify(first)));
  for (let cut = 1; cut < bytes.length; cut += 7) {
    const reader = new MessageReader();
    const got = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
    assert.deepEqual(got, [first, second]);
  }
});

test('header names are case-insensitive and other headers are ignored', () => {
  const body = '{"jsonrpc":"2.0","id":2,"result":null}';
  const reader = new MessageReader();
  const text = `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
  assert.deepEqual(reader.push(Buffer.from(text)), [{ jsonrpc: '2.0', id: 2, result: null }]);
});
