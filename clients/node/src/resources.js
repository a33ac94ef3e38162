// `client.assistants`, `client.threads`, `client.messages`, `client.runs`, `client.steps`,
// built from the method table: `ns.name(id?, params?, options?)`.
import { METHODS } from './methods.js';

function bind(client, spec) {
  return function call(...args) {
    let given;
    let options;
    let params;
    if (spec.positional) {
      const [id, rest, opts] = args;
      if (typeof id !== 'string' || id === '') throw new TypeError(`${spec.rpc}: ${spec.positional} must be a non-empty string`);
      if (rest && spec.positional in rest) throw new TypeError(`${spec.rpc}: ${spec.positional} given twice`);
      [given, options] = [rest ?? {}, opts ?? {}];
      params = { [spec.positional]: id, ...given };
    } else {
      [given, options] = [args[0] ?? {}, args[1] ?? {}];
      params = { ...given };
    }
    params = client._prepareParams(params);
    if (spec.alwaysStreams || (spec.streams && params.stream)) return client.stream(spec.rpc, params, options);
    return client.request(spec.rpc, params, options);
  };
}

/** The namespaces of `client`, each an object of bound methods (`assistants.files` nested). */
export function buildNamespaces(client) {
  const namespaces = {};
  for (const spec of METHODS) {
    const path = spec.namespace.split('.');
    let target = namespaces;
    for (const part of path) target = target[part] ??= {};
    target[spec.name] = bind(client, spec);
  }
  // The SDK's spelling of runs/createThreadAndRun.
  namespaces.threads.createAndRun = namespaces.runs.createThreadAndRun;
  return namespaces;
}
