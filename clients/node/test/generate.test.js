// The generated protocol types: up to date, and built the way the generator promises.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generate, generateFromFile, outputPath, pascalName, resolvePointer } from '../scripts/generate-types.mjs';

test('regenerating src/protocol.d.ts from protocol/assistd.openrpc.json changes nothing', () => {
  assert.equal(generateFromFile(), readFileSync(outputPath, 'utf8'),
    'src/protocol.d.ts is out of date: run `node scripts/generate-types.mjs` in clients/node');
});

test('every method of the OpenRPC document has params, and a result unless a notification', () => {
  const text = readFileSync(outputPath, 'utf8');
  const doc = JSON.parse(readFileSync(new URL('../../../protocol/assistd.openrpc.json', import.meta.url), 'utf8'));
  for (const method of doc.methods) {
    const name = method.$ref ? resolvePointer(doc, method.$ref).name : method.name;
    const base = pascalName(name);
    assert.match(text, new RegExp(`export interface ${base.replace(/\$/g, '\\$')}Params `));
    const hasResult = (method.$ref ? resolvePointer(doc, method.$ref) : method).result !== undefined;
    assert.equal(text.includes(`export type ${base}Result = `), hasResult, name);
  }
});

test('shared params and schemas behind $ref are resolved', () => {
  const doc = {
    openrpc: '1.3.2',
    info: { title: 'mini', version: '1' },
    methods: [{
      name: 'things/get',
      params: [{ $ref: '#/components/contentDescriptors/ThingId' }, { name: 'limit', schema: { type: 'integer' } }],
      result: { $ref: '#/components/contentDescriptors/ThingResult' },
    }, { name: 'things/poke', params: [{ $ref: '#/components/contentDescriptors/ThingId' }] }],
    components: {
      contentDescriptors: {
        ThingId: { name: 'thing_id', required: true, description: 'The thing.', schema: { $ref: '#/components/schemas/Id' } },
        ThingResult: { name: 'Thing', schema: { $ref: '#/components/schemas/Thing' } },
      },
      schemas: {
        Id: { type: 'string' },
        Thing: {
          type: 'object',
          properties: { id: { $ref: '#/components/schemas/Id' }, size: { $ref: '#/components/schemas/Thing/properties/id' },
            kind: { enum: ['a', 'b'] }, parent: { oneOf: [{ $ref: '#/components/schemas/Thing' }, { type: 'null' }] } },
          required: ['id'],
        },
      },
    },
  };
  const text = generate(doc);
  assert.match(text, /export interface ThingsGetParams \{\n  \/\*\* The thing\. \*\/\n  thing_id: Id;\n  limit\?: number;\n\}/);
  assert.match(text, /export type ThingsGetResult = Thing;/);
  assert.match(text, /export interface ThingsPokeParams \{\n  \/\*\* The thing\. \*\/\n  thing_id: Id;\n\}/);
  assert.match(text, /  size\?: Id;\n/); // a pointer into a schema resolves to what it names
  assert.match(text, /  kind\?: "a" \| "b";\n/);
  assert.match(text, /  parent\?: Thing \| null;\n/);
  assert.match(text, /"things\/poke": ThingsPokeParams;/); // no result: a notification
  assert.throws(() => generate({ ...doc, methods: [{ name: 'x', params: [{ $ref: '#/components/contentDescriptors/Nope' }] }] }),
    /unresolvable \$ref/);
});
