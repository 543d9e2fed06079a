// thaw's Node.js bootstrap against the official runtime interface client (npm aws-lambda-ric,
// pinned in emulator/runtimes/ric): one `thaw serve` runs the same handlers (lambda/index.js)
// through both (`runtime_client: thaw` / `aws-lambda-ric`) and this suite compares what a
// caller sees — payloads, X-Amz-Function-Error, error bodies — and the log lines' shape
// (X-Amz-Log-Type: Tail). Where the two differ on purpose the test pins the difference; the
// README's "Node.js runtime client" section lists them.
//
// Needs THAW_BINARY and THAW_CACHE_DIR (CTest sets both; scripts/install-test-deps.sh installs
// the client into that cache, else thaw does on first use, about a minute).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) throw new Error(`THAW_BINARY (${THAW}) is not a built thaw`);
if (!process.env.THAW_CACHE_DIR) throw new Error('THAW_CACHE_DIR is not set (run through CTest)');

// Function name suffix -> handler.
const HANDLERS = Object.fromEntries(
  ['asyncOk', 'undefinedResult', 'context', 'thrower', 'throwString', 'customError', 'logs',
   'syncReturn', 'callbackOk', 'callbackError', 'timerThrows', 'rejectsUnhandled',
   'neverSettles'].map((h) => [h, `index.${h}`]));
HANDLERS.missingModule = 'nowhere.handler';
HANDLERS.missingExport = 'index.absent';
const READY_DEADLINE_MS = 10 * 60 * 1000;  // a first install builds native code

let child;
let base;
let stderr = '';

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'thaw-ric-'));
  const config = path.join(dir, 'thaw.yaml');
  const code = path.join(here, 'lambda');
  const lines = ['functions:'];
  for (const [name, handler] of Object.entries(HANDLERS)) {
    for (const client of ['thaw', 'aws-lambda-ric']) {
      lines.push(`  ${client === 'thaw' ? 'thaw' : 'ric'}_${name}: {runtime: nodejs20.x, ` +
                 `handler: ${handler}, code: "${code}", timeout: 10, runtime_client: ${client}}`);
    }
  }
  writeFileSync(config, lines.join('\n') + '\n');
  child = spawn(THAW, ['serve', '--port', '0', '--quiet', '--config', config],
                { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`thaw serve not ready: ${out}${stderr}`)),
                             READY_DEADLINE_MS);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`thaw serve exited (${code}): ${out}${stderr}`));
    });
  });
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await stopThaw(child, 'thaw serve');
});

// Invokes `fn` with log tail; returns {status, functionError, body, json, logLines, requestId}.
async function invoke(fn, payload = '{}', headers = {}) {
  const res = await fetch(`${base}/2015-03-31/functions/${fn}/invocations`, {
    method: 'POST', body: payload, headers: { 'X-Amz-Log-Type': 'Tail', ...headers },
  });
  const body = await res.text();
  const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString();
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return {
    status: res.status,
    functionError: res.headers.get('x-amz-function-error'),
    requestId: res.headers.get('x-amzn-requestid'),
    body, json,
    // The function's own lines (not thaw's START/END/REPORT).
    logLines: log.split('\n').filter((l) => l && !/^(START|END|REPORT|INIT_REPORT) /.test(l)),
  };
}

// Invokes the thaw and the ric twin of `handler`.
async function both(handler, payload, headers) {
  return { thaw: await invoke(`thaw_${handler}`, payload, headers),
           ric: await invoke(`ric_${handler}`, payload, headers) };
}

// A message's own newlines are '\r' inside the line (hence the s flag).
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t(INFO|WARN|ERROR|DEBUG|TRACE|FATAL)\t(.*)$/s;

// A log line as {requestId, level, message}, or null when it does not have Lambda's shape.
function parseLine(line) {
  const m = LINE.exec(line);
  return m ? { requestId: m[2], level: m[3], message: m[4] } : null;
}

test('the official client really runs the ric_ functions', async () => {
  const { thaw, ric } = await both('context');
  assert.match(ric.json.client, /node_modules\/aws-lambda-ric\/index\.mjs$/, ric.body);
  assert.match(thaw.json.client, /runtimes\/nodejs\/bootstrap\.mjs$/, thaw.body);
});

test('async results are the same', async () => {
  const payload = JSON.stringify({ a: [1, 'two', { three: null }], s: 'é\u2713' });
  const { thaw, ric } = await both('asyncOk', payload);
  for (const r of [thaw, ric]) {
    assert.equal(r.status, 200);
    assert.equal(r.functionError, null, r.body);
  }
  assert.deepEqual(thaw.json.echo, JSON.parse(payload));
  assert.deepEqual(ric.json.echo, JSON.parse(payload));
  assert.equal(thaw.json.requestId, thaw.requestId);
  assert.equal(ric.json.requestId, ric.requestId);
  const undef = await both('undefinedResult');
  assert.equal(undef.thaw.body, 'null');
  assert.equal(undef.ric.body, 'null');
});

test('the context object and the trace id are the same', async () => {
  const clientContext = Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64');
  const { thaw, ric } = await both('context', '{}', { 'X-Amz-Client-Context': clientContext });
  const strip = (r, fn) => {
    const { client, requestId, ...rest } = r.json;
    assert.equal(requestId, r.requestId);
    assert.equal(rest.functionName, fn);
    assert.match(rest.logStreamName, /\S/);
    assert.match(rest.traceId, /^Root=1-/);
    // Per function and per event: compared by shape above, not by value.
    return { ...rest, functionName: '', invokedFunctionArn: rest.invokedFunctionArn.replace(fn, ''),
             logGroupName: rest.logGroupName.replace(fn, ''), logStreamName: '', traceId: '' };
  };
  assert.deepEqual(strip(thaw, 'thaw_context'), strip(ric, 'ric_context'));
  assert.deepEqual(thaw.json.clientContext, { custom: { k: 'v' } });
});

test('thrown errors: same body, X-Amz-Function-Error and Invoke Error log line', async () => {
  for (const handler of ['thrower', 'throwString', 'customError']) {
    const { thaw, ric } = await both(handler);
    for (const r of [thaw, ric]) {
      assert.equal(r.status, 200);
      assert.equal(r.functionError, 'Unhandled', `${handler}: ${r.body}`);
      assert.ok(Array.isArray(r.json.trace), `${handler}: ${r.body}`);
    }
    assert.equal(thaw.json.errorType, ric.json.errorType, handler);
    assert.equal(thaw.json.errorMessage, ric.json.errorMessage, handler);
    assert.deepEqual(Object.keys(thaw.json).sort(), Object.keys(ric.json).sort(), handler);
    assert.equal(thaw.json.trace.length > 0, ric.json.trace.length > 0, handler);
    if (ric.json.trace.length) assert.equal(thaw.json.trace[0], ric.json.trace[0], handler);
    // The error is logged once, as "Invoke Error" at level ERROR, by both.
    const logged = (r) => r.logLines.map(parseLine).filter((l) => l && /Invoke Error/.test(l.message));
    assert.equal(logged(thaw).length, 1, `${handler} thaw log: ${thaw.logLines.join('\n')}`);
    assert.equal(logged(ric).length, 1, `${handler} ric log: ${ric.logLines.join('\n')}`);
    assert.equal(logged(thaw)[0].level, logged(ric)[0].level);
    assert.equal(logged(thaw)[0].requestId, thaw.requestId);
    assert.equal(logged(ric)[0].requestId, ric.requestId);
    // "Invoke Error \t<JSON>": for an Error, the same fields (errorType, errorMessage, code and
    // own properties, stack as lines). For a thrown non-Error, 4.x logs it wrapped in a new
    // Error; thaw logs the value itself, as 3.x did.
    if (handler === 'throwString') continue;
    const json = (r) => JSON.parse(logged(r)[0].message.replace(/^Invoke Error \t/, ''));
    const [t, o] = [json(thaw), json(ric)];
    assert.deepEqual(Object.keys(t), Object.keys(o), handler);
    assert.equal(t.errorType, o.errorType);
    assert.equal(t.errorMessage, o.errorMessage);
    assert.equal(t.stack[0], o.stack[0]);
  }
});

test('init errors: same errorType, trace head and X-Amz-Function-Error', async () => {
  for (const [handler, type] of [['missingModule', 'Runtime.ImportModuleError'],
                                 ['missingExport', 'Runtime.HandlerNotFound']]) {
    const { thaw, ric } = await both(handler);
    for (const r of [thaw, ric]) {
      assert.equal(r.status, 200);
      assert.equal(r.functionError, 'Unhandled', r.body);
      assert.equal(r.json.errorType, type, r.body);
      assert.ok(r.json.trace[0].startsWith(`${type}: `), r.body);
    }
    // The message names the missing piece the same way (4.x adds Node's require stack).
    assert.ok(ric.json.errorMessage.startsWith(thaw.json.errorMessage), `${thaw.body}\n${ric.body}`);
  }
});

test('console lines: same shape, levels and messages', async () => {
  const { thaw, ric } = await both('logs');
  assert.equal(thaw.body, '"logged"');
  assert.equal(ric.body, '"logged"');
  const shape = (r) => r.logLines.map((line) => {
    const parsed = parseLine(line);
    assert.ok(parsed, `not <time>\\t<request id>\\t<LEVEL>\\t<message>: ${JSON.stringify(line)}`);
    assert.equal(parsed.requestId, r.requestId);
    // Stack frames name the file and position the same way; only the level and the message's
    // first line are compared.
    return `${parsed.level}\t${parsed.message.split('\r')[0]}`;
  });
  assert.equal(shape(thaw).length, 6, thaw.logLines.join('\n'));
  assert.deepEqual(shape(thaw), shape(ric));
});

// Differences by design: aws-lambda-ric 4.x is the client of the nodejs24.x runtime, thaw's
// bootstrap follows nodejs18.x-22.x (aws-lambda-ric 3.x).
test('difference: callback handlers are refused by aws-lambda-ric 4.x, answered by thaw', async () => {
  const ok = await both('callbackOk', '{"x":1}');
  assert.equal(ok.thaw.functionError, null, ok.thaw.body);
  assert.deepEqual(ok.thaw.json, { via: 'callback', echo: { x: 1 } });
  assert.equal(ok.ric.functionError, 'Unhandled', ok.ric.body);
  assert.equal(ok.ric.json.errorType, 'Runtime.CallbackHandlerDeprecated', ok.ric.body);
  const failed = await both('callbackError');
  assert.equal(failed.thaw.functionError, 'Unhandled');
  assert.equal(failed.thaw.json.errorType, 'TypeError');
  assert.equal(failed.ric.json.errorType, 'Runtime.CallbackHandlerDeprecated');
});

test('difference: a plain (non-promise) return value is null with thaw, kept by 4.x', async () => {
  const { thaw, ric } = await both('syncReturn');
  assert.equal(thaw.functionError, null, thaw.body);
  assert.equal(thaw.body, 'null');
  assert.equal(ric.functionError, null, ric.body);
  assert.deepEqual(ric.json, { sync: true });
});

test('difference: uncaught errors and unsettled promises, reported by thaw, exits under 4.x',
     async () => {
  // Both fail the event (Unhandled). thaw, like 3.x, reports the error itself (then exits 129 /
  // 128; for a promise never settled, Runtime.NodeJsExit once the loop is empty, and the
  // instance stays); aws-lambda-ric 4.0.2 installs no handler, so Node exits and the caller gets
  // Runtime.ExitError.
  for (const [handler, type] of [['timerThrows', 'SyntaxError'],
                                 ['rejectsUnhandled', 'Runtime.UnhandledPromiseRejection'],
                                 ['neverSettles', 'Runtime.NodeJsExit']]) {
    const { thaw, ric } = await both(handler);
    assert.equal(thaw.functionError, 'Unhandled', thaw.body);
    assert.equal(ric.functionError, 'Unhandled', ric.body);
    assert.equal(thaw.json.errorType, type, thaw.body);
    assert.equal(ric.json.errorType, 'Runtime.ExitError', ric.body);
  }
});
