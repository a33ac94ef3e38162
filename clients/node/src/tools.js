// JavaScript functions as function tools, answered through `tools/call`
// (protocol/runs.md, "Client-side tools").
import { INVALID_PARAMS, METHOD_NOT_FOUND, ToolError } from './errors.js';

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A function plus its function-tool definition. `fn(args, { signal, call })` gets the parsed
 * arguments object; its (awaited) value is the output: a string as it is, anything else as JSON.
 */
export class FunctionTool {
  constructor(fn, { name = fn?.name, description, parameters = { type: 'object', properties: {} } } = {}) {
    if (typeof fn !== 'function') throw new TypeError('a tool must wrap a function');
    if (!TOOL_NAME.test(name ?? '')) throw new TypeError(`tool name ${JSON.stringify(name)} must be 1-64 letters, digits, '_' or '-'`);
    this.fn = fn;
    this.name = name;
    this.description = description;
    this.parameters = parameters;
  }

  /** The entry for `tools: [...]` of assistants and runs. */
  get definition() {
    const fn = { name: this.name };
    if (this.description) fn.description = this.description;
    fn.parameters = this.parameters;
    return { type: 'function', function: fn };
  }

  toJSON() { return this.definition; }
}

/** `tool(fn, { name, description, parameters })`: a FunctionTool. */
export function tool(fn, spec) {
  return new FunctionTool(fn, spec);
}

/** The output text of a tool's value. */
export function outputText(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value === undefined ? null : value);
}

/** The tools a client answers `tools/call` with, by name. */
export class ToolRegistry {
  #tools = new Map();

  add(item) {
    const found = item instanceof FunctionTool ? item : new FunctionTool(item);
    this.#tools.set(found.name, found);
    return found;
  }

  remove(name) { this.#tools.delete(name); }

  get(name) { return this.#tools.get(name); }

  list() { return [...this.#tools.values()]; }

  /** Answer one `tools/call`: run the named tool on its arguments. */
  async call(params, signal) {
    const call = params?.tool_call ?? {};
    // A function call, or a built-in tool's call in the service's shape ({type: "search", search: {arguments}}).
    const body = call.type === 'function' || !call.type ? call.function : call[call.type];
    const name = call.type === 'function' || !call.type ? body?.name : call.type;
    const found = this.#tools.get(name);
    if (!found) throw new ToolError(`No tool named ${name} in this client`, { code: METHOD_NOT_FOUND });
    const value = await found.fn(parseArguments(name, body?.arguments), { signal, call: params });
    return { output: outputText(value) };
  }
}

function parseArguments(name, text) {
  if (text === undefined || text === null || text === '') return {};
  if (typeof text === 'object') return text;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ToolError(`arguments of ${name} are not valid JSON: ${error.message}`, { code: INVALID_PARAMS });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ToolError(`arguments of ${name} must be a JSON object`, { code: INVALID_PARAMS });
  }
  return parsed;
}
