// `thaw serve` gives every instance its own credentials and fake AWS endpoint, verifies the
// signatures and counts secret fetches per instance: a nodejs20.x function with the real AWS
// SDK v3, once fetching at module scope (1 GetSecretValue per instance) and once per event.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@aws-sdk', 'client-secrets-manager'))) {
  throw new Error(`${here}/node_modules is missing: run scripts/install-test-deps.sh first`);
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) throw new Error(`THAW_BINARY (${THAW}) is not a built thaw`);

const INVOKES = 4;
let child;
let base;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'thaw-serve-aws-'));
  const config = path.join(dir, 'thaw.yaml');
  const code = path.join(here, 'lambda');
  writeFileSync(config, `functions:
  good: {runtime: nodejs20.x, handler: index.once, code: "${code}", timeout: 20}
  bad:  {runtime: nodejs20.x, handler: per_invoke.handler, code: "${code}", timeout: 20}
secrets:
  momento/api-key: {value: {MOMENTO_API_KEY: "k-123"}}
`);
  child = spawn(THAW, ['serve', '--port', '0', '--quiet', '--config', config],
                { stdio: ['ignore', 'pipe', 'inherit'] });
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
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  }
});

async function invoke(fn) {
  const res = await fetch(`${base}/2015-03-31/functions/${fn}/invocations`, {
    method: 'POST', body: '{}',
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.equal(res.headers.get('x-amz-function-error'), null, body);
  return JSON.parse(body);
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
