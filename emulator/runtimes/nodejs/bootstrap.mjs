// thaw's Node.js runtime: the Runtime API loop with the managed nodejs runtime's handler
// contract. Run by thaw as `node bootstrap.mjs` with the instance's environment.
//   _HANDLER = path/file.export (file.js, .mjs or .cjs under LAMBDA_TASK_ROOT; CommonJS or ES
//   module); async handlers and callback(err, result) handlers; the context object; errors as
//   {errorType, errorMessage, trace}; init errors through /runtime/init/error;
//   console.* lines as "<ISO time>\t<request id>\t<LEVEL>\t<message>".
// It opens no socket but the Runtime API's (one keep-alive connection).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import util from 'node:util';

const apiAddress = process.env.AWS_LAMBDA_RUNTIME_API || '';
const apiColon = apiAddress.lastIndexOf(':');
const apiHost = apiAddress.slice(0, apiColon);
const apiPort = Number(apiAddress.slice(apiColon + 1));
const kHeaderEnd = Buffer.from('\r\n\r\n');

// One HTTP/1.1 keep-alive connection to the Runtime API, on node:net with a small parser of its
// own: node:http's request, response and agent objects cost more per event than a trivial
// handler does. Requests may be pipelined (an answer and the next /next go in one write); their
// answers come in order, each body framed by Content-Length or chunked encoding (as thaw's and
// Lambda's are), or ending with the connection. While no request is waiting the socket is
// unref'd, so it keeps the event loop alive no more than an idle node:http agent socket did: a
// callback handler's answer waits for 'beforeExit'.
class RuntimeConnection {
  #socket = null;
  #buffered = null;  // bytes received and not yet parsed
  #waiting = [];     // {resolve, reject} of each request in flight, oldest first
  #head = null;      // the oldest answer's status, headers and where its body starts, once parsed

  get busy() { return this.#waiting.length > 0; }

  // Sends requests ({method, target, headers, body}) in one write; resolves with the last one's
  // answer {status, headers (lower-case names), body (text)} once every answer has come.
  request(...requests) {
    let text = '';
    for (const { method, target, headers, body } of requests) {
      text += `${method} ${target} HTTP/1.1\r\nHost: ${apiAddress}\r\n`;
      for (const name in headers) text += `${name}: ${headers[name]}\r\n`;
      if (body !== undefined) {
        text += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      } else {
        text += '\r\n';
      }
    }
    return new Promise((resolve, reject) => {
      for (let i = 1; i < requests.length; ++i) this.#waiting.push({ resolve() {}, reject });
      this.#waiting.push({ resolve, reject });
      const socket = this.#socket ?? this.#connect();
      socket.ref();
      socket.write(text);
    });
  }

  close() {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connect() {
    const socket = net.connect({ host: apiHost, port: apiPort, noDelay: true });
    this.#socket = socket;
    this.#buffered = null;
    // Events of a socket this connection has since replaced are ignored.
    socket.on('data', (chunk) => {
      if (this.#socket !== socket) return;
      this.#buffered = this.#buffered === null ? chunk : Buffer.concat([this.#buffered, chunk]);
      this.#parse(false);
    });
    socket.on('end', () => {
      if (this.#socket === socket) this.#parse(true);
    });
    socket.on('error', (err) => this.#fail(socket, err));
    socket.on('close', () => this.#fail(socket, new Error('the Runtime API closed the connection')));
    return socket;
  }

  #fail(socket, err) {
    socket.destroy();
    if (this.#socket !== socket) return;
    this.#socket = null;
    this.#head = null;
    const waiting = this.#waiting;
    this.#waiting = [];
    // A pipelined request's promise is its last entry's: reject it once.
    new Set(waiting.map((w) => w.reject)).forEach((reject) => reject(err));
  }

  // Parses what has arrived; answers the waiting requests whose whole answers are there.
  #parse(ended) {
    while (this.#waiting.length > 0 && this.#buffered !== null && this.#parseOne(ended)) {}
    if (this.#waiting.length === 0) this.#socket?.unref();
  }

  // Answers the oldest waiting request if its whole answer is there; true when it did.
  #parseOne(ended) {
    const data = this.#buffered;
    if (this.#head === null) {
      const end = data.indexOf(kHeaderEnd);
      if (end < 0) return false;
      const lines = data.latin1Slice(0, end).split('\r\n');
      const headers = {};
      for (let i = 1; i < lines.length; ++i) {
        const colon = lines[i].indexOf(':');
        if (colon <= 0) continue;
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      this.#head = { status: Number(lines[0].slice(9, 12)), headers, bodyStart: end + 4,
                     close: lines[0].startsWith('HTTP/1.0') ||
                            /close/i.test(headers.connection ?? '') };
    }
    const { status, headers, bodyStart } = this.#head;
    let body;
    let used;
    if (headers['content-length'] !== undefined) {
      used = bodyStart + Number(headers['content-length']);
      if (data.length < used) return false;
      body = data.utf8Slice(bodyStart, used);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      // Parsed again from the start each time more arrives: thaw never sends chunked answers.
      const parts = [];
      for (let at = bodyStart; ;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd < 0) return false;
        const size = parseInt(data.latin1Slice(at, lineEnd), 16);
        if (size === 0) {
          // Trailers, if any, up to the blank line.
          const trailerEnd = data.indexOf(kHeaderEnd, lineEnd);
          if (trailerEnd < 0) return false;
          used = trailerEnd + 4;
          break;
        }
        if (!(size > 0)) {
          this.#fail(this.#socket, new Error('the Runtime API sent a malformed chunk'));
          return false;
        }
        if (data.length < lineEnd + 4 + size) return false;
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 4 + size;
      }
      body = Buffer.concat(parts).toString('utf8');
    } else {
      if (!ended) return false;
      used = data.length;
      body = data.utf8Slice(bodyStart, used);
      this.#head.close = true;
    }
    const { close } = this.#head;
    this.#buffered = used < data.length ? data.subarray(used) : null;
    this.#head = null;
    const waiting = this.#waiting.shift();
    if (close) {
      // Requests pipelined behind this answer will not be answered on this connection.
      const socket = this.#socket;
      this.#fail(socket, new Error('the Runtime API closed the connection'));
    }
    waiting.resolve({ status, headers, body });
    return true;
  }
}

const runtimeApi = new RuntimeConnection();

// Runtime API requests, pipelined; resolves the last one's {status, headers, body}. Requests
// made while others wait (an uncaught error reported during a /next) go on a connection of their
// own.
async function send(...requests) {
  for (const r of requests) r.target = `/2018-06-01/runtime${r.path}`;
  if (!runtimeApi.busy) return runtimeApi.request(...requests);
  const own = new RuntimeConnection();
  try {
    return await own.request(...requests);
  } finally {
    own.close();
  }
}

function request(method, path, headers = {}, body = undefined) {
  return send({ method, path, headers, body });
}

const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const handlerSpec = process.env._HANDLER || '';
let currentRequestId;

// console.*: one line per call, newlines inside a message kept in the same log line as '\r'.
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG',
                 trace: 'TRACE' };
for (const [method, level] of Object.entries(levels)) {
  console[method] = (...args) => {
    const message = util.format(...args).replace(/\n/g, '\r');
    process.stdout.write(
      `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}\n`);
  };
}

// Lambda's error shape: an Error gives its name, message and stack lines; anything else
// (callback('oops'), throw 42) gives its typeof and text with an empty trace, as the official
// runtime client does.
function isError(err) {
  return util.types.isNativeError(err) ||
         (!!err && typeof err.name === 'string' && typeof err.message === 'string' &&
          typeof err.stack === 'string' && !!err.name && !!err.message && !!err.stack);
}

function errorBody(err) {
  if (isError(err)) {
    return {
      errorType: err.name,
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

// The JSON in an "Invoke Error" / "Uncaught Exception" log line, as the official client writes
// it: an Error as its errorType, errorMessage, code and own enumerable properties, with its stack
// as lines; any other value as itself.
function logFormatted(err) {
  return '\t' + JSON.stringify(err, (key, value) => {
    if (!(value instanceof Error)) return value;
    const out = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  });
}

function answerRequest(pathPart, body, errorType) {
  const headers = { 'Content-Type': 'application/json' };
  if (errorType) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  return { method: 'POST', path: pathPart, headers, body };
}

async function post(pathPart, body, errorType) {
  return (await send(answerRequest(pathPart, body, errorType))).status;
}

// Posts an answer and asks for the next event in the same write (one write and one wake-up of
// the Runtime API fewer per event); resolves the /next answer.
function postAndNext(pathPart, body, errorType) {
  return send(answerRequest(pathPart, body, errorType),
              { method: 'GET', path: '/invocation/next', headers: {} });
}

// Reports an init error and exits. `errorType` set: the error is wrapped as that type, as the
// official client's Runtime.* errors are, so the trace starts "<errorType>: <message>".
// Otherwise it is reported as it is.
async function initError(errorType, err) {
  const body = errorBody(err);
  if (errorType) {
    body.errorType = errorType;
    body.trace = [...`${errorType}: ${body.errorMessage}`.split('\n'),
                  ...body.trace.filter((line) => line.startsWith('    at '))];
  }
  console.error('Uncaught Exception',
                logFormatted({ errorType: body.errorType, errorMessage: body.errorMessage,
                               stack: body.trace }));
  await post('/init/error', JSON.stringify(body), body.errorType);
  process.exit(1);
}

// What Lambda's Node.js 18+ runtimes include besides the function's code: the AWS SDK for
// JavaScript v3. thaw's copy is its pin beside this file (sdk/, filled by `npm ci` at set-up),
// and thaw puts it on NODE_PATH where Lambda has /var/runtime/node_modules. CommonJS `require`
// reads NODE_PATH after the function's own node_modules, so a bundled copy wins. ES module
// imports ignore NODE_PATH in Node itself; Lambda's runtime resolves them there too, and so does
// this bootstrap: when the handler's import fails on a bare specifier, it adds a resolve hook
// that falls back to NODE_PATH's node_modules folders and imports the handler again (linking
// failed, so nothing of it ran). Handlers that need none of it pay nothing.
const runtimeSdk = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sdk', 'node_modules');

function nodePathModules() {
  return (process.env.NODE_PATH || '').split(':').filter((dir) => path.basename(dir) ===
                                                                   'node_modules');
}

let nodePathHook = false;
function addNodePathHook() {
  if (nodePathHook || typeof nodeModule.register !== 'function') return false;
  const dirs = nodePathModules().filter((dir) => existsSync(dir));
  if (dirs.length === 0) return false;
  nodeModule.register(
    pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_path_hook.mjs')),
    { data: { dirs } });
  nodePathHook = true;
  return true;
}

// The package a "Cannot find module/package 'x'" error names, or undefined.
function missingPackage(err) {
  const match = /Cannot find (?:module|package) '([^']+)'/.exec(String(err?.message ?? ''));
  if (!match || match[1].startsWith('.') || match[1].startsWith('/')) return undefined;
  const parts = match[1].split('/');
  return match[1].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// thaw's note for a package Lambda's runtime has and thaw's copy lacks, or undefined.
function runtimePackageNote(err) {
  const name = missingPackage(err);
  if (name === undefined) return undefined;
  if (name === 'aws-sdk') {
    return 'thaw: aws-sdk (v2) is not part of Lambda\'s nodejs18.x and later runtimes either: ' +
           'bundle it with the function';
  }
  if (!name.startsWith('@aws-sdk/')) return undefined;
  if (!existsSync(runtimeSdk)) {
    return `thaw: Lambda's Node.js runtime includes ${name}, but thaw's copy of the AWS SDK ` +
           `v3 is not installed: run \`make sample-deps\` (npm ci in ${path.dirname(runtimeSdk)})`;
  }
  const have = readdirSync(path.join(runtimeSdk, '@aws-sdk')).filter((p) => p.startsWith('client-') ||
                                                                          p.startsWith('lib-'));
  return `thaw: Lambda's Node.js runtime includes ${name}, and thaw's copy of the AWS SDK v3 ` +
         `does not (it has ${have.map((p) => '@aws-sdk/' + p).join(', ')}): bundle it with ` +
         `the function, or add it to ${path.dirname(runtimeSdk)}/package.json`;
}

function withNote(err) {
  const note = runtimePackageNote(err);
  if (note === undefined || !(err instanceof Error)) return err;
  err.message = `${err.message}\n${note}`;
  return err;
}

function isEsm(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  // A .js file is an ES module when the nearest package.json says "type": "module".
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadHandler() {
  // "dir/file.a.b": the module is up to the first dot after the last slash (as in Lambda's
  // Node.js runtime); the rest is a path into its exports.
  const dot = handlerSpec.indexOf('.', handlerSpec.lastIndexOf('/') + 1);
  if (dot <= 0 || dot === handlerSpec.length - 1) {
    await initError('Runtime.MalformedHandlerName',
                    new Error(`Bad handler ${handlerSpec}: expected module.function`));
  }
  const modulePath = handlerSpec.slice(0, dot);
  const exportPath = handlerSpec.slice(dot + 1);
  const base = path.resolve(taskRoot, modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    await initError('Runtime.ImportModuleError',
                    new Error(`Error: Cannot find module '${modulePath}'`));
  }
  let mod;
  try {
    try {
      mod = await import(pathToFileURL(file).href);
    } catch (err) {
      if (err?.code !== 'ERR_MODULE_NOT_FOUND' || missingPackage(err) === undefined ||
          !addNodePathHook()) {
        throw err;
      }
      // A new URL, since the failed one stays failed in the module map.
      mod = await import(`${pathToFileURL(file).href}?node-path`);
    }
  } catch (thrown) {
    const err = withNote(thrown);
    // As aws-lambda-ric 3.x: a syntax error and a missing CommonJS module are wrapped, with the
    // error's text as the message; anything else the module throws is reported as it is (so an
    // ES module's missing package is errorType "Error").
    if (err instanceof SyntaxError) {
      await initError('Runtime.UserCodeSyntaxError', new Error(String(err)));
    } else if (err?.code === 'MODULE_NOT_FOUND') {
      await initError('Runtime.ImportModuleError', Object.assign(new Error(String(err)),
                                                                 { stack: err.stack }));
    }
    await initError(undefined, err);
  }
  // CommonJS modules arrive as the default export; ES modules as named exports.
  let handler = exportPath.split('.').reduce((o, k) => (o == null ? o : o[k]), mod);
  if (handler === undefined && mod.default) {
    handler = exportPath.split('.').reduce((o, k) => (o == null ? o : o[k]), mod.default);
  }
  if (typeof handler !== 'function') {
    await initError('Runtime.HandlerNotFound',
                    new Error(`${path.basename(modulePath)}.${exportPath} is undefined or not ` +
                              'exported'));
  }
  return handler;
}

// Read once: each process.env read is a getenv() through a C++ interceptor.
const functionEnv = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
};

function makeContext(headers, deadlineMs) {
  const clientContext = headers['lambda-runtime-client-context'];
  const identity = headers['lambda-runtime-cognito-identity'];
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: functionEnv.functionName,
    functionVersion: functionEnv.functionVersion,
    memoryLimitInMB: functionEnv.memoryLimitInMB,
    logGroupName: functionEnv.logGroupName,
    logStreamName: functionEnv.logStreamName,
    clientContext: clientContext ? JSON.parse(clientContext) : undefined,
    identity: identity ? JSON.parse(identity) : undefined,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

// The errors the official client (aws-lambda-ric 3.x) reports for these cases.
class NodeJsExit extends Error {
  constructor() {
    super('The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
          'commonly caused by a Promise that was never settled. For more information, see ' +
          'https://nodejs.org/docs/latest/api/process.html#exit-codes');
  }
}
NodeJsExit.prototype.name = 'Runtime.NodeJsExit';
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

const isAsyncFunction = (fn) => fn?.constructor?.name === 'AsyncFunction';

// Runs one event; resolves with the result or rejects with the error, with the semantics of
// the nodejs18.x-22.x managed runtimes (aws-lambda-ric 3.x):
// - A returned promise answers when it settles; context.callbackWaitsForEmptyEventLoop does not
//   apply to it.
// - callback(null, result) answers once the event loop is empty (every timer and socket the
//   handler started is done: Node's 'beforeExit'), unless the handler set
//   context.callbackWaitsForEmptyEventLoop = false: then it answers at once and the pending work
//   stays, frozen with the instance, until the next event. callback(err) answers at once.
// - context.done/succeed/fail answer at once.
// - Only the first of callback/done/succeed/fail (or the promise) counts.
// - Nothing answered once the event loop is empty: null, or Runtime.NodeJsExit for an async
//   function (its promise never settled). A value returned by a handler that is not a promise
//   is ignored, as in Lambda.
// The result is serialized when it is posted, so changes made until then are in the answer.
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let answered = false;
    let onEmpty = null;
    const cancelWait = () => {
      if (onEmpty) process.removeListener('beforeExit', onEmpty);
      onEmpty = null;
    };
    const whenLoopEmpty = (fn) => {
      cancelWait();
      onEmpty = () => {
        cancelWait();
        setImmediate(fn);
      };
      process.on('beforeExit', onEmpty);
    };
    const settle = (err, result) => {
      cancelWait();
      if (err !== null && err !== undefined) reject(err); else resolve(result);
    };
    const first = (fn) => (...args) => {
      if (answered) return;
      answered = true;
      fn(...args);
    };
    const callback = first((err, result) => {
      if ((err === null || err === undefined) && context.callbackWaitsForEmptyEventLoop) {
        whenLoopEmpty(() => settle(null, result));
      } else {
        settle(err, result);
      }
    });
    context.done = first(settle);
    context.succeed = first((result) => settle(null, result));
    context.fail = first((err) => settle(err ?? 'handled'));
    whenLoopEmpty(first(() => settle(isAsyncFunction(handler) ? new NodeJsExit() : null, null)));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') {
        Promise.resolve(returned).then(context.succeed, context.fail);
      }
    } catch (err) {
      callback(err);
    }
  });
}

// An exception nothing catches, or a rejection nothing handles, fails the current event (or the
// init) with that error and ends the process (exit 129 / 128), as the official client does; the
// next event starts a new instance.
async function fatal(label, err, exitCode) {
  console.error(label, logFormatted(err));
  const body = errorBody(err);
  try {
    if (currentRequestId) {
      await post(`/invocation/${currentRequestId}/error`, JSON.stringify(body), body.errorType);
    } else {
      await post('/init/error', JSON.stringify(body), body.errorType);
    }
  } finally {
    process.exit(exitCode);
  }
}
process.on('uncaughtException', (err) => fatal('Uncaught Exception', err, 129));
process.on('unhandledRejection',
           (reason, promise) => fatal('Unhandled Promise Rejection',
                                      new UnhandledPromiseRejection(reason, promise), 128));

const handler = await loadHandler();
// aws-lambda-ric 3.3 warns at init about handlers that take a callback (removed in nodejs24.x).
if (handler.length === 3 && !isAsyncFunction(handler) &&
    process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined) {
  console.warn('AWS Lambda plans to remove support for callback-based function handlers ' +
               'starting with Node.js 24. You will need to update this function to use an async ' +
               'handler to use Node.js 24 or later. For more information and to provide feedback ' +
               'on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-' +
               'client/issues/137. To disable this warning, set the ' +
               'AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.');
}
let next = await request('GET', '/invocation/next');
for (;;) {
  const requestId = next.headers['lambda-runtime-aws-request-id'];
  const deadlineMs = Number(next.headers['lambda-runtime-deadline-ms']);
  const traceId = next.headers['lambda-runtime-trace-id'];
  if (traceId) process.env._X_AMZN_TRACE_ID = traceId; else delete process.env._X_AMZN_TRACE_ID;
  const text = next.body;
  currentRequestId = requestId;
  const context = makeContext(next.headers, deadlineMs);
  let answer;
  try {
    const event = text.length ? JSON.parse(text) : {};
    const result = await run(handler, event, context);
    answer = [`/invocation/${requestId}/response`,
              JSON.stringify(result === undefined ? null : result)];
  } catch (err) {
    const body = errorBody(err);
    console.error('Invoke Error', logFormatted(err));
    answer = [`/invocation/${requestId}/error`, JSON.stringify(body),
              `Function.${body.errorType.replace(/[^A-Za-z]/g, '') || 'Error'}`];
  }
  currentRequestId = undefined;
  next = await postAndNext(...answer);
}
