// A module resolve hook (module.register) that thaw's Node.js bootstrap adds when a handler's
// import of a bare specifier fails: the specifier is then looked up in NODE_PATH's
// node_modules folders, in order, as Lambda's Node.js 18+ runtimes do for ES modules (so an
// unbundled `import ... from '@aws-sdk/client-s3'` finds the runtime's SDK). What Node finds on
// its own always wins.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let dirs = [];

export async function initialize(data) {
  dirs = data?.dirs ?? [];
}

function isBare(specifier) {
  return !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const dir of dirs) {
      // Resolved as if imported from a file beside `dir`: Node then looks in `dir` itself.
      const parentURL = pathToFileURL(path.join(path.dirname(dir), 'node-path.mjs')).href;
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch {
        // not there either: the next folder
      }
    }
    throw err;
  }
}
