// LSP framing (protocol/README.md, "Framing"): `Content-Length: N\r\n\r\n` then N bytes of JSON.

const HEADER_END = Buffer.from('\r\n\r\n');

/** Encode one message. */
export function encodeMessage(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/** Splits a byte stream into parsed messages; `push` returns those that completed. */
export class MessageReader {
  #buffer = Buffer.alloc(0);
  #expected = null;

  push(chunk) {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const messages = [];
    for (;;) {
      if (this.#expected === null) {
        const end = this.#buffer.indexOf(HEADER_END);
        if (end < 0) return messages;
        const header = this.#buffer.subarray(0, end).toString('ascii');
        this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
        const match = /^content-length:\s*(\d+)\s*$/im.exec(header);
        if (!match) throw new Error(`a header block without Content-Length: ${JSON.stringify(header)}`);
        this.#expected = Number(match[1]);
      }
      if (this.#buffer.length < this.#expected) return messages;
      const body = this.#buffer.subarray(0, this.#expected).toString('utf8');
      this.#buffer = this.#buffer.subarray(this.#expected);
      this.#expected = null;
      messages.push(JSON.parse(body));
    }
  }
}
