// `thaw serve` gives every Lambda instance its own fake Momento listener and counts the
// connections each instance opens: a Node function using the real @gomomento/sdk, once with the
// client at module scope (one data connection per instance) and once with a client per event
// (one per event). Each instance runs in its sandbox (thaw's default) and makes its client from
// MOMENTO_API_KEY and MOMENTO_ENDPOINT (fromEnvVarV2, a v2 key minted per instance), reaching
// the fake at Momento's real names over TLS, and nothing else: no egress is recorded.
// THAW_BINARY names the thaw binary (CTest sets it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@gomomento', 'sdk'))) {
  throw new Error(
    `${here}/node_modules is missing: run scripts/install-test-deps.sh (npm ci) first`);
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) throw new Error(`THAW_BINARY (${THAW}) is not a built thaw`);

const INVOKES = 5;
const KEY_ENV =
  '{MOMENTO_API_KEY: "{{momento_api_key_v2}}", MOMENTO_ENDPOINT: "{{momento_endpoint}}"}';
let child;
let base;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'thaw-serve-momento-'));
  const config = path.join(dir, 'thaw.yaml');
  const code = path.join(here, 'lambda');
  writeFileSync(config, `functions:
  good: {runtime: provided.al2023, handler: module-scope, code: "${code}", timeout: 20,
         environment: ${KEY_ENV}}
  bad:  {runtime: provided.al2023, handler: per-invoke, code: "${code}", timeout: 20,
         environment: ${KEY_ENV}}
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
  await stopThaw(child, 'thaw serve');
});

async function invoke(fn, event) {
  const res = await fetch(`${base}/2015-03-31/functions/${fn}/invocations`, {
    method: 'POST', body: JSON.stringify(event),
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  assert.equal(res.headers.get('x-amz-function-error'), null, body);
  return JSON.parse(body);
}

async function momento() {
  const res = await fetch(`${base}/_thaw/momento`);
  return (await res.json()).instances;
}

test('module-scope client: one data connection for the whole instance', async () => {
  for (let i = 0; i < INVOKES; i++) {
    const out = await invoke('good', { key: `k${i}`, value: `v${i}` });
    assert.equal(out.value, `v${i}`);
  }
  const good = (await momento()).filter((i) => i.function === 'good');
  assert.equal(good.length, 1, 'sequential invokes reuse one instance');
  const [instance] = good;
  assert.equal(instance.data_connections, 1);
  assert.equal(instance.rpcs.Set, INVOKES);
  assert.equal(instance.rpcs.Get, INVOKES);
});

test('client per invoke: one data connection per event, all on one instance', async () => {
  for (let i = 0; i < INVOKES; i++) await invoke('bad', { key: 'k', value: `v${i}` });
  const bad = (await momento()).filter((i) => i.function === 'bad');
  assert.equal(bad.length, 1, 'one instance served every event');
  assert.equal(bad[0].data_connections, INVOKES);
});

test('instances are told apart: each has its own listener', async () => {
  const all = await momento();
  const ids = new Set(all.map((i) => i.instance));
  assert.equal(ids.size, all.length);
  assert.ok(all.every((i) => i.instance > 0), 'every connection is attributed to an instance');
});

test('sandboxed: minted keys, the real names, and nothing tried to leave', async () => {
  const { events } = await (await fetch(`${base}/_thaw/events?since=0`)).json();
  const of = (kind) => events.filter((e) => e.kind === kind);
  const spawned = of('instance.spawned');
  assert.ok(spawned.length >= 2, JSON.stringify(spawned));
  assert.ok(spawned.every((e) => e.attrs.isolation === 'sandbox'), JSON.stringify(spawned));
  const rpcs = of('momento.rpc');
  assert.ok(rpcs.length > 0);
  assert.ok(rpcs.every((e) => e.attrs.key === 'minted'), 'every RPC used a minted key');
  assert.deepEqual(of('sandbox.egress_blocked'), []);
});

test('idle_drop while the instance is frozen: the next invoke reconnects, the ledger says so',
     async () => {
       await invoke('good', { key: 'idle', value: 'before' });
       const [before] = (await momento()).filter((i) => i.function === 'good');
       const add = await fetch(`${base}/_thaw/faults`, {
         method: 'POST',
         body: JSON.stringify({ service: 'momento', function: 'good', idle_drop: '5m' }),
       });
       assert.equal(add.status, 201, await add.text());
       // Past the idle timeout, short of the 10-minute keepalive: the instance stays, frozen,
       // and its connection is reset under it.
       const advance = await fetch(`${base}/_thaw/clock/advance`,
                                   { method: 'POST', body: '{"duration":"6m"}' });
       assert.equal(advance.status, 200);
       const out = await invoke('good', { key: 'idle', value: 'after' });
       assert.equal(out.value, 'after');
       const [after] = (await momento()).filter((i) => i.function === 'good');
       assert.equal(after.instance, before.instance, 'the same instance served both');
       assert.equal(after.reconnects_after_fault - before.reconnects_after_fault, 1);
       assert.equal(after.data_connections - before.data_connections, 1);
       assert.equal((await fetch(`${base}/_thaw/faults`, { method: 'DELETE' })).status, 200);
     });
