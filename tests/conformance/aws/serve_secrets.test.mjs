// `thaw serve` gives every instance its own credentials and fake AWS endpoint, verifies the
// signatures and counts secret fetches per instance: nodejs20.x functions with the real AWS
// SDKs — fetching at module scope (1 GetSecretValue per instance) and per event; a function
// without the grant denied exactly as in AWS; `{{momento_api_key}}` minted per instance;
// faults through POST /_thaw/faults (throttling seen by SDK v3 retries, a stall timing out
// aws-sdk v2); the Parameters and Secrets extension with its cache on the scheduler clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@aws-sdk', 'client-secrets-manager'))) {
  throw new Error(`${here}/node_modules is missing: run scripts/install-test-deps.sh first`);
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) throw new Error(`THAW_BINARY (${THAW}) is not a built thaw`);

const INVOKES = 4;
let child;
let base;
let stderr = '';

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'thaw-serve-aws-'));
  const config = path.join(dir, 'thaw.yaml');
  const code = path.join(here, 'lambda');
  const fn = (handler, extra = '') =>
    `{runtime: nodejs20.x, handler: ${handler}, code: "${code}", timeout: 20${extra}}`;
  const grant = (resource) => `, policy: [{Effect: Allow, Action: "secretsmanager:GetSecretValue",
      Resource: "${resource}"}]`;
  writeFileSync(config, `functions:
  good: ${fn('index.once', grant('arn:aws:secretsmanager:*:*:secret:momento/api-key-??????'))}
  bad: ${fn('per_invoke.handler')}
  denied: ${fn('index.once', grant('arn:aws:secretsmanager:*:*:secret:other/*'))}
  minted: ${fn('read.handler')}
  throttled: ${fn('read.handler')}
  stalled: ${fn('read_v2.handler')}
  cached: ${fn('extension.handler', ', extensions: [parameters-and-secrets]')}
  boto: {runtime: python3.11, handler: readers.boto, code: "${code}", timeout: 20${
    grant('arn:aws:secretsmanager:*:*:secret:momento/api-key-??????')}}
  cli: {runtime: python3.11, handler: readers.cli, code: "${code}", timeout: 20${
    grant('arn:aws:secretsmanager:*:*:secret:momento/api-key-??????')}}
  cached_denied: ${fn('extension.handler', ', extensions: [parameters-and-secrets]' +
                      grant('arn:aws:secretsmanager:*:*:secret:other/*'))}
secrets:
  momento/api-key: {value: {MOMENTO_API_KEY: "k-123"}}
  momento/minted: {value: {MOMENTO_API_KEY: "{{momento_api_key}}"}}
`);
  child = spawn(THAW, ['serve', '--port', '0', '--quiet', '--config', config],
                { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => { stderr += chunk; process.stderr.write(chunk); });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`thaw serve exited (${code}): ${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await stopThaw(child, 'thaw serve');
});

async function invokeRaw(fn, event = {}) {
  const res = await fetch(`${base}/2015-03-31/functions/${fn}/invocations`, {
    method: 'POST', body: JSON.stringify(event),
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  return { body: JSON.parse(body), functionError: res.headers.get('x-amz-function-error') };
}

async function invoke(fn, event = {}) {
  const { body, functionError } = await invokeRaw(fn, event);
  assert.equal(functionError, null, JSON.stringify(body));
  return body;
}

async function admin(method, route, body) {
  const res = await fetch(`${base}${route}`,
                          { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function events(kind, fn) {
  const { body } = await admin('GET', '/_thaw/events?since=0');
  return body.events.filter((e) => e.kind === kind && (fn === undefined || e.function === fn));
}

async function perInstance(fn) {
  const res = await fetch(`${base}/_thaw/aws`);
  return (await res.json()).instances.filter((i) => i.function === fn);
}

test('secret fetched at module scope: one GetSecretValue per instance, signed by it', async () => {
  for (let i = 0; i < INVOKES; i++) assert.equal((await invoke('good')).key, 'k-123');
  const [instance] = await perInstance('good');
  assert.ok(instance.instance > 0, 'attributed to the instance that signed the request');
  assert.equal(instance.operations.GetSecretValue, 1);
  assert.deepEqual(instance.errors, {});
});

test('secret fetched per event: one GetSecretValue per invoke', async () => {
  for (let i = 0; i < INVOKES; i++) assert.equal((await invoke('bad')).key, 'k-123');
  const bad = await perInstance('bad');
  assert.equal(bad.length, 1);
  assert.equal(bad[0].operations.GetSecretValue, INVOKES);
});

test('a function without the grant gets AWS\'s AccessDeniedException', async () => {
  const { body, functionError } = await invokeRaw('denied');
  assert.equal(functionError, 'Unhandled');
  assert.equal(body.errorType, 'AccessDeniedException');
  assert.match(body.errorMessage, new RegExp(
    '^User: arn:aws:sts::123456789012:assumed-role/denied-role/denied is not authorized to ' +
    'perform: secretsmanager:GetSecretValue on resource: ' +
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:momento/api-key-[A-Za-z]{6} because ' +
    'no identity-based policy allows the secretsmanager:GetSecretValue action$'));
  const [instance] = await perInstance('denied');
  assert.deepEqual(instance.errors, { AccessDeniedException: 1 });
});

test('functions without statements may call everything, said once per function', async () => {
  assert.equal(stderr.match(/function bad declares no IAM statements/g)?.length, 1);
  assert.doesNotMatch(stderr, /function good declares no IAM statements/);
  assert.equal((await events('aws.note', 'bad')).length, 1);
});

test('{{momento_api_key}} is a key minted for the instance that reads the secret', async () => {
  const first = await invoke('minted', { secretId: 'momento/minted' });
  const again = await invoke('minted', { secretId: 'momento/minted' });
  const key = JSON.parse(first.value).MOMENTO_API_KEY;
  assert.equal(JSON.parse(again.value).MOMENTO_API_KEY, key, 'one key per instance');
  const decoded = JSON.parse(Buffer.from(key, 'base64').toString('utf8'));
  const [instance] = await perInstance('minted');
  assert.ok(decoded.endpoint);
  // Minted by the fake Momento (EmbeddedMomento::MintApiKey) for this instance: the endpoint
  // is a Momento cell's name, which resolves to the instance's own listener in its sandbox.
  assert.match(decoded.api_key, new RegExp(`^thaw-momento-${instance.instance}-[0-9a-f]+$`));
  assert.equal(decoded.endpoint, 'cell-us-east-1-1.prod.a.momentohq.com');
});

test('throttling fault: SDK v3 retries, every attempt in the ledger', async () => {
  const fault = await admin('POST', '/_thaw/faults', {
    service: 'aws', function: 'throttled', operation: 'GetSecretValue',
    error: 'ThrottlingException', count: 2,
  });
  assert.equal(fault.status, 201, JSON.stringify(fault.body));
  const out = await invoke('throttled', { secretId: 'momento/api-key' });
  assert.equal(JSON.parse(out.value).MOMENTO_API_KEY, 'k-123');
  assert.equal(out.attempts, 3);
  const [instance] = await perInstance('throttled');
  assert.equal(instance.operations.GetSecretValue, 3);
  assert.deepEqual(instance.errors, { ThrottlingException: 2 });
  const listed = await admin('GET', '/_thaw/faults');
  assert.ok(!listed.body.faults.some((f) => f.id === fault.body.id), 'count 2: used up');
});

test('stall fault: aws-sdk v2 with 1 s timeouts gives up', async () => {
  const fault = await admin('POST', '/_thaw/faults',
                            { service: 'aws', function: 'stalled', stall: true });
  assert.equal(fault.status, 201, JSON.stringify(fault.body));
  const out = await invoke('stalled', { secretId: 'momento/api-key' });
  assert.equal(out.error, 'TimeoutError', JSON.stringify(out));
  assert.ok(out.elapsed >= 900 && out.elapsed < 5000, `elapsed ${out.elapsed} ms`);
  const listed = await admin('GET', '/_thaw/faults');
  assert.equal(listed.body.faults.find((f) => f.id === fault.body.id).fired, 1);
  assert.equal((await admin('DELETE', `/_thaw/faults/${fault.body.id}`)).status, 200);
  const after = await invoke('stalled', { secretId: 'momento/api-key' });
  assert.equal(JSON.parse(after.value).MOMENTO_API_KEY, 'k-123');
});

test('Parameters and Secrets extension: cached per instance on the scheduler clock', async () => {
  for (let i = 0; i < 3; i++) {
    const out = await invoke('cached', { secretId: 'momento/api-key' });
    assert.equal(out.status, 200, out.body);
    const value = JSON.parse(out.body);
    assert.equal(JSON.parse(value.SecretString).MOMENTO_API_KEY, 'k-123');
    assert.match(value.CreatedDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  let [instance] = await perInstance('cached');
  assert.equal(instance.operations.GetSecretValue, 1, 'one upstream fetch, then the cache');
  const reads = await events('aws.extension', 'cached');
  assert.deepEqual(reads.map((e) => e.attrs.cache), ['miss', 'hit', 'hit']);
  const upstream = await events('aws.request', 'cached');
  assert.equal(upstream[0].attrs.via, 'extension');
  assert.equal(upstream[0].instance, reads[0].instance);
  // SECRETS_MANAGER_TTL defaults to 300 s on the scheduler clock.
  await admin('POST', '/_thaw/clock/advance', { duration: '301s' });
  assert.equal((await invoke('cached', { secretId: 'momento/api-key' })).status, 200);
  [instance] = await perInstance('cached');
  assert.equal(instance.operations.GetSecretValue, 2);
  // No token: 401, nothing fetched.
  assert.equal((await invoke('cached', { secretId: 'momento/api-key', token: false })).status,
               401);
  [instance] = await perInstance('cached');
  assert.equal(instance.operations.GetSecretValue, 2);
});

test('the extension fetches with the instance\'s own credentials: IAM applies', async () => {
  const out = await invoke('cached_denied', { secretId: 'momento/api-key' });
  assert.equal(out.status, 400);
  assert.equal(out.body, '400 Bad Request: an unexpected error occurred while executing request');
  const [instance] = await perInstance('cached_denied');
  assert.deepEqual(instance.errors, { AccessDeniedException: 1 });
});

// boto3 and awscli from Debian, which only /usr/bin/python3 (the python3.11 runtime's) sees.
const hasPythonClients = existsSync('/usr/bin/aws') &&
  spawnSync('/usr/bin/python3', ['-c', 'import boto3']).status === 0;

test('boto3 and awscli inside a python3.11 function: success and access denied',
     { skip: !hasPythonClients && 'needs python3-boto3 and awscli (install-deps.sh --test)' },
     async () => {
  const DENIED = /is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:momento\/minted-[A-Za-z]{6} because no identity-based policy allows the secretsmanager:GetSecretValue action/;
  const ok = await invoke('boto', { secretId: 'momento/api-key' });
  assert.equal(JSON.parse(ok.value).MOMENTO_API_KEY, 'k-123', JSON.stringify(ok));
  const denied = await invoke('boto', { secretId: 'momento/minted' });
  assert.equal(denied.error, 'AccessDeniedException');
  assert.match(denied.message, /^User: arn:aws:sts::123456789012:assumed-role\/boto-role\/boto /);
  assert.match(denied.message, DENIED);
  const cliOk = await invoke('cli', { secretId: 'momento/api-key' });
  assert.equal(JSON.parse(cliOk.value).MOMENTO_API_KEY, 'k-123', JSON.stringify(cliOk));
  const cliDenied = await invoke('cli', { secretId: 'momento/minted' });
  assert.equal(cliDenied.status, 254);
  assert.match(cliDenied.stderr, /\(AccessDeniedException\) when calling the GetSecretValue operation/);
  assert.match(cliDenied.stderr, DENIED);
  for (const fn of ['boto', 'cli']) {
    const [instance] = await perInstance(fn);
    assert.equal(instance.operations.GetSecretValue, 2);
    assert.deepEqual(instance.errors, { AccessDeniedException: 1 });
  }
});
