#!/usr/bin/env node
// Writes src/protocol.d.ts, the TypeScript types of every method's params and result,
// from protocol/assistd.openrpc.json (the protocol's source of truth).
//
//   node scripts/generate-types.mjs           rewrite src/protocol.d.ts
//   node scripts/generate-types.mjs --check   exit 1 if src/protocol.d.ts is out of date
//
// `$ref`s to #/components/schemas/X become the named type X; any other local `$ref`
// (a shared param under #/components/contentDescriptors, an error, a nested schema)
// is resolved in place.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const openrpcPath = join(here, '..', '..', '..', 'protocol', 'assistd.openrpc.json');
export const outputPath = join(here, '..', 'src', 'protocol.d.ts');

const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

/** The object a local JSON pointer (`#/a/b`) names in `doc`. */
export function resolvePointer(doc, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) {
    throw new Error(`only local $refs are supported, got ${JSON.stringify(ref)}`);
  }
  let node = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) {
      throw new Error(`unresolvable $ref ${ref}`);
    }
    node = node[key];
  }
  return node;
}

/** `node` with its `$ref` followed (repeatedly) to the object it names. */
function deref(doc, node, seen = new Set()) {
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new Error(`circular $ref ${node.$ref}`);
    seen.add(node.$ref);
    node = resolvePointer(doc, node.$ref);
  }
  return node;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propertyKey = (name) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const typeName = (name) => name.replace(/[^A-Za-z0-9_$]/g, '_');

/** `runs/createThreadAndRun` → `RunsCreateThreadAndRun`, `$/cancelRequest` → `CancelRequest`. */
export function pascalName(method) {
  return method
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

function comment(text, indent) {
  if (!text) return '';
  const lines = String(text).replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

const wrap = (type) => (/[|&]/.test(type) && !/^[({[]/.test(type) ? `(${type})` : type);

/** The `$ref`s being expanded in place (not named types): a cycle among them has no type. */
const expanding = new Set();

/** The TypeScript type of a JSON Schema. */
export function tsType(doc, schema, indent = '') {
  if (schema === true || schema === undefined || schema === null) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema.$ref === 'string') {
    const named = SCHEMA_REF.exec(schema.$ref);
    if (named) return typeName(named[1]);
    // One step at a time, so a pointer to a `$ref` of a named schema still names it.
    if (expanding.has(schema.$ref)) throw new Error(`circular $ref ${schema.$ref}`);
    expanding.add(schema.$ref);
    try {
      return tsType(doc, resolvePointer(doc, schema.$ref), indent);
    } finally {
      expanding.delete(schema.$ref);
    }
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema.allOf)) {
    return schema.allOf.map((part) => wrap(tsType(doc, part, indent))).join(' & ');
  }
  const union = schema.oneOf || schema.anyOf;
  if (Array.isArray(union)) {
    const parts = [...new Set(union.map((part) => wrap(tsType(doc, part, indent))))];
    return parts.join(' | ');
  }
  if (Array.isArray(schema.type)) {
    return schema.type.map((type) => tsType(doc, { ...schema, type }, indent)).join(' | ');
  }
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer':
    case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'null': return 'null';
    case 'array': return `Array<${tsType(doc, schema.items, indent)}>`;
    case 'object': return objectType(doc, schema, indent);
    default:
      return schema.properties ? objectType(doc, schema, indent) : 'unknown';
  }
}

function objectType(doc, schema, indent) {
  const properties = Object.entries(schema.properties || {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    return extra === false ? 'Record<string, never>' : `{ [key: string]: ${extra && extra !== true ? tsType(doc, extra, indent) : 'unknown'} }`;
  }
  const inner = `${indent}  `;
  const required = new Set(schema.required || []);
  let body = '';
  for (const [name, property] of properties) {
    body += comment(property?.description ?? deref(doc, property)?.description, inner);
    body += `${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${tsType(doc, property, inner)};\n`;
  }
  if (extra !== undefined && extra !== false) {
    body += `${inner}[key: string]: unknown;\n`;
  }
  return `{\n${body}${indent}}`;
}

/** The params of `method` as an object schema (each param resolved). */
function paramsSchema(doc, method) {
  const properties = {};
  const required = [];
  for (const entry of method.params || []) {
    const param = deref(doc, entry);
    properties[param.name] = { ...param.schema, description: param.description ?? param.schema?.description };
    if (param.required) required.push(param.name);
  }
  return { type: 'object', properties, required };
}

/** The whole of src/protocol.d.ts for the OpenRPC document `doc`. */
export function generate(doc) {
  const out = [];
  out.push('// Generated by scripts/generate-types.mjs from protocol/assistd.openrpc.json. Do not edit.');
  out.push(`// Protocol: ${doc.info?.title ?? 'assistd'} ${doc.info?.version ?? ''}`.trimEnd());
  out.push('');
  for (const [name, schema] of Object.entries(doc.components?.schemas || {})) {
    const resolved = deref(doc, schema);
    out.push(`${comment(resolved.description, '')}export type ${typeName(name)} = ${tsType(doc, schema)};`);
    out.push('');
  }
  const sections = { clientRequests: [], clientNotifications: [], serverRequests: [], serverNotifications: [] };
  for (const entry of doc.methods || []) {
    const method = deref(doc, entry);
    const base = pascalName(method.name);
    const params = paramsSchema(doc, method);
    const status = method['x-assistd-status'] === 'planned' ? ' (planned: not implemented yet)' : '';
    out.push(`${comment(`Params of \`${method.name}\`${status}.${method.summary ? ` ${method.summary}` : ''}`, '')}export interface ${base}Params ${tsType(doc, params)}`);
    out.push('');
    const fromServer = method['x-assistd-direction'] === 'server-to-client';
    const key = JSON.stringify(method.name);
    if (method.result) {
      const result = deref(doc, method.result);
      out.push(`${comment(`Result of \`${method.name}\`.`, '')}export type ${base}Result = ${tsType(doc, result.schema)};`);
      out.push('');
      sections[fromServer ? 'serverRequests' : 'clientRequests'].push(`  ${key}: { params: ${base}Params; result: ${base}Result };`);
    } else {
      sections[fromServer ? 'serverNotifications' : 'clientNotifications'].push(`  ${key}: ${base}Params;`);
    }
  }
  const map = (name, doc_, rows) => {
    out.push(`${comment(doc_, '')}export interface ${name} {${rows.map((row) => `\n${row}`).join('')}\n}`);
    out.push('');
  };
  map('ClientRequests', 'Requests the client sends: params and result of each.', sections.clientRequests);
  map('ClientNotifications', 'Notifications the client sends: their params.', sections.clientNotifications);
  map('ServerRequests', 'Requests assistd sends to the client: params and result of each.', sections.serverRequests);
  map('ServerNotifications', 'Notifications assistd sends: their params.', sections.serverNotifications);
  const errors = Object.entries(doc.components?.errors || {}).map(([name, error]) => {
    const resolved = deref(doc, error);
    return `${comment(resolved.message, '  ')}  ${propertyKey(name)}: { code: ${resolved.code}; data: ${resolved.data ? tsType(doc, resolved.data, '  ') : 'undefined'} };`;
  });
  map('ProtocolErrors', "The protocol's named errors: code and data of each.", errors);
  out.push('export type ClientMethod = keyof ClientRequests;');
  out.push('export type ParamsOf<M extends ClientMethod> = ClientRequests[M]["params"];');
  out.push('export type ResultOf<M extends ClientMethod> = ClientRequests[M]["result"];');
  return `${out.join('\n')}\n`;
}

export function generateFromFile(path = openrpcPath) {
  return generate(JSON.parse(readFileSync(path, 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateFromFile();
  if (process.argv.includes('--check')) {
    const current = readFileSync(outputPath, 'utf8');
    if (current !== text) {
      console.error('src/protocol.d.ts is out of date: run node scripts/generate-types.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(outputPath, text);
  }
}
