// The real Momento SDK (@gomomento/sdk, pinned in package.json) against the fake Momento, run
// two ways by the same file (THAW_MOMENTO_MODE):
//   standalone (default)  each suite starts `thaw momento --port 0 --admin-port 0 --events FILE`
//                         and reads the ledger events it writes (JSON lines, written before the
//                         RPC that caused them answers);
//   serve                 each suite starts `thaw serve` with two functions (lambda/runtime.mjs,
//                         _HANDLER=endpoint), invokes both, seeds caches through the `setup`
//                         instance's Momento listener and points the SDK at the `target`
//                         instance's own listener; events come from GET /_thaw/events, only
//                         the target instance's. `--api-key K` becomes
//                         settings.momento_api_keys in its thaw.yaml.
// Either way faults go through POST /_thaw/faults and accounting through GET /_thaw/momento.
// THAW_BINARY names the thaw binary (CTest sets it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, existsSync, writeFileSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvents, stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@gomomento', 'sdk'))) {
  throw new Error(
    `${here}/node_modules is missing: run scripts/install-test-deps.sh (npm ci) first`);
}
const sdk = await import('@gomomento/sdk');
const {
  CacheClient, Configurations, CredentialProvider, MomentoLocalProvider, MomentoErrorCode,
  CreateCache, DeleteCache, ListCaches, CacheGet, CacheSet, CacheDelete, CacheIncrement, CacheSetIfNotExists,
  CacheKeysExist, CacheItemGetTtl, CacheUpdateTtl, CacheGetBatch, CacheSetBatch,
} = sdk;

const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) {
  throw new Error(`THAW_BINARY (${THAW}) is not a built thaw binary; build first`);
}
const MODE = process.env.THAW_MOMENTO_MODE ?? 'standalone';
if (!['standalone', 'serve'].includes(MODE)) throw new Error(`THAW_MOMENTO_MODE=${MODE}?`);
const dir = mkdtempSync(path.join(tmpdir(), 'thaw-momento-'));
let servers = 0;
const WAIT_MS = 10000 * Number(process.env.THAW_TEST_SLOWDOWN ?? 1);

// Spawns `args` and resolves with the first match of `ready` in its stdout.
async function spawnReady(args, ready) {
  const child = spawn(THAW, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const match = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(ready);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`thaw exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  return { child, match };
}

const stopChild = (child) => stopThaw(child);

async function adminJson(admin, method, route, body) {
  const res = await fetch(`${admin}${route}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

// `thaw momento` on kernel-chosen ports; resolves once it printed its ready line.
async function startStandalone(extraArgs) {
  const events = path.join(dir, `events-${++servers}.jsonl`);
  const { child, match } = await spawnReady(
    ['momento', '--port', '0', '--admin-port', '0', '--quiet', '--events', events, ...extraArgs],
    /thaw momento: listening on 127\.0\.0\.1:(\d+) \(admin (http:\/\/[0-9.:]+)\)/);
  return {
    port: Number(match[1]),
    admin: match[2],
    instance: 0,
    // A v1 key minted for this server's instance 0 (POST /_thaw/momento/keys).
    async mintedKey() {
      const { status, body } =
        await adminJson(this.admin, 'POST', '/_thaw/momento/keys', { instance: 0 });
      assert.equal(status, 200);
      return body.api_key;
    },
    async events() {
      return readEvents(events);
    },
    // Resolves once `done(events)` holds, re-checking whenever the events file changes.
    async waitFor(done, what) {
      const watcher = watch(events);
      try {
        const deadline = Date.now() + WAIT_MS;
        const changed = () => new Promise((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
          watcher.once('change', () => { clearTimeout(timer); resolve(); });
        });
        while (!done(await this.events())) {
          if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
          await changed();
        }
      } finally {
        watcher.close();
      }
    },
    stop: () => stopChild(child),
  };
}

// `thaw serve` with a `setup` and a `target` instance; the SDK talks to the target's listener.
// With API keys (settings.momento_api_keys) the target also has the Parameters and Secrets
// extension and a secret holding `{{momento_api_key}}`, so that it can read its minted key.
async function startServe(extraArgs) {
  const caches = [];
  const apiKeys = [];
  for (let i = 0; i < extraArgs.length; i += 2) {
    if (extraArgs[i] === '--cache') caches.push(extraArgs[i + 1]);
    if (extraArgs[i] === '--api-key') apiKeys.push(extraArgs[i + 1]);
  }
  const config = path.join(dir, `thaw-${++servers}.yaml`);
  const code = path.join(here, 'lambda');
  const fn = `runtime: provided.al2023, handler: endpoint, code: "${code}", timeout: 20`;
  // isolation: process, so that this test (outside any sandbox) can reach an instance's
  // listener on thaw's loopback, where the endpoint handler says it is.
  writeFileSync(config, apiKeys.length === 0 ? `functions:
  setup:  {${fn}}
  target: {${fn}}
settings: {isolation: process}
` : `functions:
  setup:  {${fn}}
  target: {${fn}, extensions: [parameters-and-secrets]}
settings:
  isolation: process
  momento_api_keys: ${JSON.stringify(apiKeys)}
secrets:
  momento/minted: "{{momento_api_key}}"
`);
  const { child, match } = await spawnReady(
    ['serve', '--port', '0', '--quiet', '--config', config],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const admin = `http://127.0.0.1:${match[1]}`;
  const invoke = async (fn, event = {}) => {
    const res = await fetch(`${admin}/2015-03-31/functions/${fn}/invocations`,
                            { method: 'POST', body: JSON.stringify(event) });
    assert.equal(res.status, 200);
    return res.json();
  };
  const setup = await invoke('setup');
  const target = await invoke('target');
  const instances = (await adminJson(admin, 'GET', '/_thaw/instances')).body.instances;
  const instance = instances.find((i) => i.function === 'target').id;
  if (caches.length > 0) {
    const seeder = newClient(Configurations.Lambda.latest(), setup.port, apiKeys[0]);
    for (const cache of caches) {
      assertInstance(await seeder.createCache(cache), CreateCache.Success, `seed ${cache}`);
    }
    seeder.close();
  }
  return {
    port: target.port,
    admin,
    instance,
    // The key minted for the target instance, as it reads it from its secret.
    async mintedKey() {
      const { secret } = await invoke('target', { secretId: 'momento/minted' });
      assert.ok(secret, 'the target read momento/minted');
      return secret;
    },
    async events() {
      const all = [];
      for (let since = 0; ;) {
        const page = (await adminJson(admin, 'GET', `/_thaw/events?since=${since}`)).body;
        all.push(...page.events);
        if (page.events.length === 0 || since === page.last_seq) break;
        since = page.events[page.events.length - 1].seq;
        if (since >= page.last_seq) break;
      }
      return all.filter((e) => e.instance === instance);
    },
    // Resolves once `done(events)` holds, long-polling GET /_thaw/events for new ones.
    async waitFor(done, what) {
      const deadline = Date.now() + WAIT_MS;
      while (!done(await this.events())) {
        if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
        const last = (await adminJson(admin, 'GET', '/_thaw/events?since=0&wait_ms=0'))
          .body.last_seq;
        await adminJson(admin, 'GET', `/_thaw/events?since=${last}&wait_ms=1000`);
      }
    },
    stop: () => stopChild(child),
  };
}

// The fake, started the way THAW_MOMENTO_MODE says.
async function startThaw(extraArgs = []) {
  return MODE === 'serve' ? startServe(extraArgs) : startStandalone(extraArgs);
}

// forMomentoLocal's provider, sending `apiKey` as `authorization` (the SDK's own sends '').
class KeyedLocalProvider extends MomentoLocalProvider {
  constructor(props, apiKey) {
    super(props);
    this.apiKey = apiKey;
  }

  getAuthToken() {
    return this.apiKey;
  }
}

// A client of the fake at 127.0.0.1:`port`, like forMomentoLocal; with `apiKey`, sending it.
function newClient(configuration, port, apiKey) {
  const props = { hostname: '127.0.0.1', port };
  return new CacheClient({
    configuration,
    credentialProvider: apiKey === undefined ? CredentialProvider.forMomentoLocal(props)
                                             : new KeyedLocalProvider(props, apiKey),
    defaultTtlSeconds: 60,
  });
}

function assertInstance(response, type, what) {
  assert.ok(response instanceof type, `${what}: got ${response.toString()}`);
}

const configurations = [
  ['Laptop', () => Configurations.Laptop.latest()],
  ['Lambda', () => Configurations.Lambda.latest()],
];

for (const [name, makeConfiguration] of configurations) {
  describe(`@gomomento/sdk with Configurations.${name}.latest()`, () => {
    const cache = `cache-${name.toLowerCase()}`;
    let server;
    let client;

    before(async () => {
      server = await startThaw();
      client = newClient(makeConfiguration(), server.port);
      assertInstance(await client.createCache(cache), CreateCache.Success, 'createCache');
    });
    after(async () => {
      client?.close();
      await server?.stop();
    });

    test('set, get, delete', async () => {
      assertInstance(await client.set(cache, 'k', 'v'), CacheSet.Success, 'set');
      const hit = await client.get(cache, 'k');
      assertInstance(hit, CacheGet.Hit, 'get');
      assert.equal(hit.valueString(), 'v');
      assertInstance(await client.delete(cache, 'k'), CacheDelete.Success, 'delete');
      assertInstance(await client.get(cache, 'k'), CacheGet.Miss, 'get after delete');
    });

    test('increment, and FAILED_PRECONDITION on a non-integer', async () => {
      const first = await client.increment(cache, 'n', 5);
      assertInstance(first, CacheIncrement.Success, 'increment');
      assert.equal(first.value(), 5);
      assert.equal((await client.increment(cache, 'n', -2)).value(), 3);
      await client.set(cache, 'text', 'abc');
      const bad = await client.increment(cache, 'text', 1);
      assertInstance(bad, CacheIncrement.Error, 'increment of text');
      assert.equal(bad.errorCode(), MomentoErrorCode.FAILED_PRECONDITION_ERROR);
    });

    test('setIfNotExists stores once', async () => {
      assertInstance(await client.setIfNotExists(cache, 'once', 'a'), CacheSetIfNotExists.Stored,
                     'first setIfNotExists');
      assertInstance(await client.setIfNotExists(cache, 'once', 'b'),
                     CacheSetIfNotExists.NotStored, 'second setIfNotExists');
      assert.equal((await client.get(cache, 'once')).valueString(), 'a');
    });

    test('keysExist', async () => {
      await client.set(cache, 'present', 'x');
      const exists = await client.keysExist(cache, ['present', 'absent']);
      assertInstance(exists, CacheKeysExist.Success, 'keysExist');
      assert.deepEqual(exists.exists(), [true, false]);
    });

    test('itemGetTtl and updateTtl', async () => {
      await client.set(cache, 'ttl', 'x', { ttl: 30 });
      const ttl = await client.itemGetTtl(cache, 'ttl');
      assertInstance(ttl, CacheItemGetTtl.Hit, 'itemGetTtl');
      assert.ok(ttl.remainingTtlMillis() <= 30000 && ttl.remainingTtlMillis() > 25000,
                `remaining ${ttl.remainingTtlMillis()}`);
      assertInstance(await client.updateTtl(cache, 'ttl', 600000), CacheUpdateTtl.Set,
                     'updateTtl');
      assert.ok((await client.itemGetTtl(cache, 'ttl')).remainingTtlMillis() > 500000);
      assertInstance(await client.updateTtl(cache, 'nope', 1000), CacheUpdateTtl.Miss,
                     'updateTtl of a missing key');
      assertInstance(await client.itemGetTtl(cache, 'nope'), CacheItemGetTtl.Miss,
                     'itemGetTtl of a missing key');
    });

    test('setBatch and getBatch', async () => {
      const set = await client.setBatch(cache, { b1: 'one', b2: 'two' });
      assertInstance(set, CacheSetBatch.Success, 'setBatch');
      for (const r of set.results()) assertInstance(r, CacheSet.Success, 'setBatch item');
      const got = await client.getBatch(cache, ['b1', 'b-missing', 'b2']);
      assertInstance(got, CacheGetBatch.Success, 'getBatch');
      const results = got.results();
      assertInstance(results[0], CacheGet.Hit, 'getBatch b1');
      assertInstance(results[1], CacheGet.Miss, 'getBatch b-missing');
      assert.equal(results[2].valueString(), 'two');
    });

    test('an unknown cache is CacheNotFound', async () => {
      const miss = await client.get('no-such-cache', 'k');
      assertInstance(miss, CacheGet.Error, 'get on an unknown cache');
      assert.equal(miss.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
      const set = await client.set('no-such-cache', 'k', 'v');
      assert.equal(set.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
    });

    test('createCache, listCaches, deleteCache', async () => {
      const extra = `${cache}-extra`;
      assertInstance(await client.createCache(extra), CreateCache.Success, 'createCache');
      assertInstance(await client.createCache(extra), CreateCache.AlreadyExists,
                     'createCache again');
      const listed = await client.listCaches();
      assertInstance(listed, ListCaches.Success, 'listCaches');
      assert.deepEqual(listed.getCaches().map((c) => c.getName()).sort(), [cache, extra]);
      assertInstance(await client.deleteCache(extra), DeleteCache.Success, 'deleteCache');
      const again = await client.deleteCache(extra);
      assertInstance(again, DeleteCache.Error, 'deleteCache again');
      assert.equal(again.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
    });
  });
}

describe('connection accounting', () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'c']); });
  after(async () => { await server?.stop(); });

  test('one CacheClient with Configurations.Lambda.latest() opens exactly 1 data connection',
       async () => {
         const client = newClient(Configurations.Lambda.latest(), server.port);
         try {
           for (let i = 0; i < 5; ++i) {
             assertInstance(await client.set('c', `k${i}`, 'v'), CacheSet.Success, 'set');
             assertInstance(await client.get('c', `k${i}`), CacheGet.Hit, 'get');
           }
           const events = await server.events();
           const opened = events.filter((e) => e.kind === 'momento.connection.opened');
           const rpcs = events.filter((e) => e.kind === 'momento.rpc' && e.attrs.plane === 'data');
           assert.equal(rpcs.length, 10);
           assert.equal(opened.length, 1, JSON.stringify(opened));
           assert.deepEqual([...new Set(rpcs.map((e) => e.attrs.connection))],
                            [opened[0].attrs.connection]);
           assert.ok(rpcs.every((e) => e.attrs.code === 'OK'));
         } finally {
           client.close();
         }
       });
});

// `thaw momento --ledger-window N` keeps N events in memory; the --events file and
// /_thaw/momento (the ledger's accounts) still count every one.
describe('a windowed ledger (standalone)', { skip: MODE !== 'standalone' }, () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'c', '--ledger-window', '5']); });
  after(async () => { await server?.stop(); });

  test('--ledger-window 5: 60 RPCs, all in the events file and in /_thaw/momento', async () => {
    const client = newClient(Configurations.Lambda.latest(), server.port);
    try {
      for (let i = 0; i < 30; ++i) {
        assertInstance(await client.set('c', `k${i}`, 'v'), CacheSet.Success, 'set');
        assertInstance(await client.get('c', `k${i}`), CacheGet.Hit, 'get');
      }
      const rpcs = (await server.events())
          .filter((e) => e.kind === 'momento.rpc' && e.attrs.plane === 'data');
      assert.equal(rpcs.length, 60);
      const { body } = await adminJson(server.admin, 'GET', '/_thaw/momento');
      const mine = body.instances.find((i) => i.instance === server.instance);
      assert.equal(mine.data_connections, 1, JSON.stringify(mine));
      assert.equal(mine.rpcs.Set, 30, JSON.stringify(mine));
      assert.equal(mine.rpcs.Get, 30, JSON.stringify(mine));
    } finally {
      client.close();
    }
  });
});

describe('close() accounting', () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'c']); });
  after(async () => { await server?.stop(); });

  test('close() opens one short control connection, counted as control, not unused',
       async () => {
         const seen = (await server.events()).length;
         const client = newClient(Configurations.Lambda.latest(), server.port);
         assertInstance(await client.get('c', 'k'), CacheGet.Miss, 'get');
         client.close();
         // The data connection closes and the control channel connects (no RPC) around it.
         await server.waitFor((events) => {
           const mine = events.slice(seen);
           const opened = mine.filter((e) => e.kind === 'momento.connection.opened');
           return opened.length >= 2 && mine.some(
             (e) => e.kind === 'momento.connection.closed' &&
                    e.attrs.connection === opened[0].attrs.connection);
         }, 'the data connection to close and the control one to open');
         const { body } = await adminJson(server.admin, 'GET', '/_thaw/momento');
         const mine = body.instances.find((i) => i.instance === server.instance);
         assert.equal(mine.data_connections, 1);
         assert.equal(mine.control_connections, 1);
         assert.equal(mine.close_time_control_connections, 1);
         assert.equal(mine.unused_connections, 0);
         assert.equal(mine.connections, 2);
       });
});

// API keys: `thaw momento --api-key K`, or settings.momento_api_keys: [K] in thaw.yaml.
describe('authentication', () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'c', '--api-key', 'the-key']); });
  after(async () => { await server?.stop(); });

  async function getError(apiKey) {
    const client = newClient(Configurations.Lambda.latest(), server.port, apiKey);
    try {
      const response = await client.get('c', 'k');
      assertInstance(response, CacheGet.Error, 'get');
      return response.errorCode();
    } finally {
      client.close();
    }
  }

  test('with API keys set, the empty key of forMomentoLocal is AuthenticationError', async () => {
    assert.equal(await getError(undefined), MomentoErrorCode.AUTHENTICATION_ERROR);
  });

  test('with API keys set, another key is AuthenticationError', async () => {
    assert.equal(await getError('not-the-key'), MomentoErrorCode.AUTHENTICATION_ERROR);
  });

  test('with API keys set, a configured key is accepted', async () => {
    const client = newClient(Configurations.Lambda.latest(), server.port, 'the-key');
    try {
      assertInstance(await client.set('c', 'keyed', 'yes'), CacheSet.Success, 'set');
      assertInstance(await client.get('c', 'keyed'), CacheGet.Hit, 'get');
    } finally {
      client.close();
    }
  });

  test('a minted v1 key works through fromString with endpoint overrides, next to API keys',
       async () => {
         const apiKey = await server.mintedKey();
         const decoded = JSON.parse(Buffer.from(apiKey, 'base64').toString('utf8'));
         const endpoint = `127.0.0.1:${server.port}`;
         assert.equal(decoded.endpoint, endpoint);
         assert.match(decoded.api_key,
                      new RegExp(`^thaw-momento-${server.instance}-[0-9a-f]{32}$`));
         const client = new CacheClient({
           configuration: Configurations.Lambda.latest(),
           credentialProvider: CredentialProvider.fromString({
             apiKey,
             endpointOverrides: {
               cacheEndpoint: endpoint, controlEndpoint: endpoint, tokenEndpoint: endpoint,
               secureConnection: false,
             },
           }),
           defaultTtlSeconds: 60,
         });
         try {
           assertInstance(await client.set('c', 'minted', 'yes'), CacheSet.Success, 'set');
           const hit = await client.get('c', 'minted');
           assertInstance(hit, CacheGet.Hit, 'get');
           assert.equal(hit.valueString(), 'yes');
         } finally {
           client.close();
         }
       });
});

// Server-side faults through POST /_thaw/faults (the serve admin API, or `thaw momento
// --admin-port`): the SDK is unmodified, the fault is the server's.
describe('server-side faults', () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'f']); });
  after(async () => { await server?.stop(); });

  async function addFault(spec) {
    const { status, body } = await adminJson(
      server.admin, 'POST', '/_thaw/faults',
      { service: 'momento', instance: server.instance, ...spec });
    assert.equal(status, 201, JSON.stringify(body));
    return body.id;
  }
  async function clearFaults() {
    assert.equal((await adminJson(server.admin, 'DELETE', '/_thaw/faults')).status, 200);
  }
  async function accounting() {
    const { body } = await adminJson(server.admin, 'GET', '/_thaw/momento');
    return body.instances.find((i) => i.instance === server.instance);
  }
  function closedBy(events, why) {
    return events.filter((e) => e.kind === 'momento.connection.closed' && e.attrs.why === why);
  }
  // A Lambda-configured client that has made one call (so its data connection is open).
  async function warmClient() {
    const client = newClient(Configurations.Lambda.latest(), server.port);
    assertInstance(await client.set('f', 'k', 'v', { ttl: 3600 }), CacheSet.Success, 'set');
    return client;
  }

  test('a malformed fault is 400 naming the field', async () => {
    const { status, body } = await adminJson(server.admin, 'POST', '/_thaw/faults',
                                             { service: 'momento', delay: 'soon' });
    assert.equal(status, 400);
    assert.match(body.error, /^delay:/);
  });

  test('faults are listed with their fired count and removed by id', async () => {
    const id = await addFault({ rpc: 'Get', error: 'INTERNAL', count: 5 });
    const listed = (await adminJson(server.admin, 'GET', '/_thaw/faults')).body.faults;
    const mine = listed.find((f) => f.id === id);
    assert.equal(mine.service, 'momento');
    assert.equal(mine.fired, 0);
    assert.equal(mine.error, 'INTERNAL');
    const removed = await adminJson(server.admin, 'DELETE', `/_thaw/faults/${id}`);
    assert.equal(removed.status, 200);
    assert.equal((await adminJson(server.admin, 'DELETE', `/_thaw/faults/${id}`)).status, 404);
    const client = await warmClient();
    try {
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get once the fault is removed');
    } finally {
      client.close();
    }
  });

  test('delay longer than the Lambda deadline: TimeoutError, then served again', async () => {
    const client = await warmClient();
    try {
      const id = await addFault({ rpc: 'Get', delay: '3s', count: 1 });
      const slow = await client.get('f', 'k');
      assertInstance(slow, CacheGet.Error, 'delayed get');
      assert.equal(slow.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get once the count is spent');
      const fired = (await server.events()).filter((e) => e.kind === 'momento.fault' &&
                                                           e.attrs.id === id);
      assert.equal(fired.length, 1);
      assert.equal(fired[0].attrs.fault, 'delay');
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('error with an err trailer: the SDK error type it maps to', async () => {
    const client = await warmClient();
    try {
      await addFault({ rpc: 'Get', error: 'PERMISSION_DENIED', count: 1 });
      const denied = await client.get('f', 'k');
      assertInstance(denied, CacheGet.Error, 'get');
      assert.equal(denied.errorCode(), MomentoErrorCode.PERMISSION_ERROR);
      await addFault({ rpc: 'Set', cache: 'f', error: 'NOT_FOUND', err: 'store_not_found',
                       count: 1 });
      const missing = await client.set('f', 'k', 'v');
      assertInstance(missing, CacheSet.Error, 'set');
      assert.equal(missing.errorCode(), MomentoErrorCode.STORE_NOT_FOUND_ERROR);
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get once both are spent');
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('UNAVAILABLE is retried by the SDK: count 2 gives three Gets and a Hit', async () => {
    const client = await warmClient();
    try {
      const before = (await server.events()).length;
      await addFault({ rpc: 'Get', error: 'UNAVAILABLE', count: 2 });
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get after 2 errors');
      const gets = (await server.events()).slice(before)
        .filter((e) => e.kind === 'momento.rpc' && e.attrs.method === 'Get');
      assert.deepEqual(gets.map((e) => e.attrs.code), ['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('cancel: the SDK retries a cancelled Get, and reports CancelledError when every try is',
       async () => {
    const client = await warmClient();
    try {
      const getCodes = async (since) => (await server.events()).slice(since)
        .filter((e) => e.kind === 'momento.rpc' && e.attrs.method === 'Get')
        .map((e) => [e.attrs.code, e.attrs.fault ?? '']);
      let before = (await server.events()).length;
      await addFault({ rpc: 'Get', cancel: true, count: 1 });
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get after one cancel');
      assert.deepEqual(await getCodes(before), [['CANCELLED', 'cancel'], ['OK', '']]);

      before = (await server.events()).length;
      await addFault({ rpc: 'Get', cancel: true });
      const cancelled = await client.get('f', 'k');
      assertInstance(cancelled, CacheGet.Error, 'get, every try cancelled');
      assert.equal(cancelled.errorCode(), MomentoErrorCode.CANCELLED_ERROR, cancelled.message());
      const tries = await getCodes(before);
      assert.ok(tries.length >= 2, JSON.stringify(tries));
      assert.ok(tries.every(([code, fault]) => code === 'CANCELLED' && fault === 'cancel'));
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('handshake delay: the first call of a new client pays it, the next does not',
       async () => {
         await addFault({ handshake_delay: '400ms', count: 1 });
         const client = newClient(Configurations.Lambda.latest(), server.port);
         try {
           const answered = (r, what) =>
             assert.ok(r instanceof CacheGet.Hit || r instanceof CacheGet.Miss, `${what}: ${r}`);
           const t0 = performance.now();
           answered(await client.get('f', 'k'), 'first get');
           const first = performance.now() - t0;
           const t1 = performance.now();
           answered(await client.get('f', 'k'), 'second get');
           const second = performance.now() - t1;
           assert.ok(first >= 350, `first call took ${first} ms`);
           assert.ok(second < first - 300, `second call took ${second} ms, first ${first} ms`);
         } finally {
           client.close();
           await clearFaults();
         }
       });

  test('reset: the SDK reconnects, the ledger shows the drop and the reconnect', async () => {
    const client = await warmClient();
    try {
      const before = await accounting();
      await addFault({ reset: true });
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get after the reset');
      const after = await accounting();
      assert.equal(after.reconnects_after_fault - before.reconnects_after_fault, 1);
      assert.ok(closedBy(await server.events(), 'fault:reset').every((e) => e.attrs.by === 'thaw'));
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('refuse: a refused reconnect is an SDK error; the next call connects', async () => {
    const client = await warmClient();
    try {
      const before = await accounting();
      await addFault({ refuse: true, count: 1 });
      await addFault({ reset: true });
      const refused = await client.get('f', 'k');
      assertInstance(refused, CacheGet.Error, 'get while refused');
      assert.equal(refused.errorCode(), MomentoErrorCode.SERVER_UNAVAILABLE);
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get once the count is spent');
      const after = await accounting();
      assert.equal(after.reconnects_after_fault - before.reconnects_after_fault, 1);
      const refusals = (await server.events()).filter(
        (e) => e.kind === 'momento.fault' && e.attrs.fault === 'refuse');
      assert.equal(refusals.length, 1);
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('idle_drop on the scheduler clock: advance past it, the SDK reconnects', async () => {
    const client = await warmClient();
    try {
      const before = await accounting();
      await addFault({ idle_drop: '5m' });
      const advanced = await adminJson(server.admin, 'POST', '/_thaw/clock/advance',
                                       { duration: '6m' });
      assert.equal(advanced.status, 200);
      // The drop happened during the advance, before it answered.
      assert.ok(closedBy(await server.events(), 'fault:idle_drop').length >= 1);
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get after the idle drop');
      const after = await accounting();
      assert.equal(after.reconnects_after_fault - before.reconnects_after_fault, 1);
    } finally {
      client.close();
      await clearFaults();
    }
  });

  test('blackhole: calls on open connections and new connections time out', async () => {
    const client = await warmClient();
    try {
      await addFault({ blackhole: true });
      const held = await client.get('f', 'k');
      assertInstance(held, CacheGet.Error, 'get on the open connection');
      assert.equal(held.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
      const fresh = newClient(Configurations.Lambda.latest(), server.port);
      try {
        const never = await fresh.get('f', 'k');
        assertInstance(never, CacheGet.Error, 'get on a new connection');
        assert.equal(never.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
      } finally {
        fresh.close();
      }
      await clearFaults();
      assertInstance(await client.get('f', 'k'), CacheGet.Hit, 'get once the fault is gone');
    } finally {
      client.close();
      await clearFaults();
    }
  });
});

// momento-local's per-request fault metadata, sent by the SDK's own (deep-imported, not
// re-exported) ExperimentalMomentoLocalTestConfigMiddleware, as the SDK's retry suites do.
describe('momento-local fault metadata', () => {
  let server;
  let middleware;
  let rpcMethod;
  before(async () => {
    server = await startThaw(['--cache', 'c']);
    middleware = await import(
      '@gomomento/sdk/dist/src/config/middleware/experimental-momento-local-test-config-middleware.js');
    rpcMethod = (await import('@gomomento/sdk/dist/src/config/retry/momento-rpc-method.js'))
      .MomentoRPCMethod;
  });
  after(async () => { await server?.stop(); });

  function faultyClient(metadata) {
    const configuration = Configurations.Lambda.latest().withMiddlewares([
      new middleware.ExperimentalMomentoLocalTestConfigMiddleware({
        requestId: crypto.randomUUID(), ...metadata }),
    ]);
    return newClient(configuration, server.port);
  }

  test('a delay longer than the Lambda deadline (1100 ms) is TimeoutError', async () => {
    const client = faultyClient({ delayRpcs: [rpcMethod.Get], delayMs: 3000 });
    try {
      const response = await client.get('c', 'slow');
      assertInstance(response, CacheGet.Error, 'delayed get');
      assert.equal(response.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
    } finally {
      client.close();
    }
  });

  test('UNAVAILABLE twice is retried: three Get RPCs, then a Miss', async () => {
    const client = faultyClient({
      returnError: MomentoErrorCode.SERVER_UNAVAILABLE, errorRpcs: [rpcMethod.Get], errorCount: 2,
    });
    try {
      const before = (await server.events()).length;
      assertInstance(await client.get('c', 'retried'), CacheGet.Miss, 'get after 2 errors');
      // The previous test's delayed Get may finish (and be recorded) during this one: skip it.
      const gets = (await server.events()).slice(before)
        .filter((e) => e.kind === 'momento.rpc' && e.attrs.method === 'Get' &&
                       e.attrs.fault !== 'delay');
      assert.deepEqual(gets.map((e) => e.attrs.code), ['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
    } finally {
      client.close();
    }
  });
});

// Collections (issue 15): every CacheClient collection method with its success, its miss and
// one error outcome as the SDK reports them; the collection TTL on the scheduler clock.
describe('@gomomento/sdk collections (Configurations.Lambda.latest())', () => {
  const { CollectionTtl, ItemType, SortedSetOrder, SortedSetAggregate } = sdk;
  const cache = 'collections';
  let server;
  let client;

  // `response.type` is the SDK's own name for the outcome ('Hit', 'Miss', 'Success', 'Error').
  function expectType(response, type, what) {
    assert.equal(response.type, type, `${what}: got ${response.toString()}`);
  }
  function expectError(response, code, what) {
    expectType(response, 'Error', what);
    assert.equal(response.errorCode(), code, `${what}: ${response.toString()}`);
  }
  const FAILED_PRECONDITION = () => MomentoErrorCode.FAILED_PRECONDITION_ERROR;

  before(async () => {
    server = await startThaw();
    client = newClient(Configurations.Lambda.latest(), server.port);
    assertInstance(await client.createCache(cache), CreateCache.Success, 'createCache');
    // A scalar to call collection methods on: the type-mismatch error outcome.
    assertInstance(await client.set(cache, 'scalar', 'x'), CacheSet.Success, 'set scalar');
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  test('dictionaries', async () => {
    expectType(await client.dictionarySetField(cache, 'd', 'a', '1'), 'Success', 'setField');
    expectType(await client.dictionarySetFields(cache, 'd', { b: '2', c: '3' }), 'Success',
               'setFields');
    const field = await client.dictionaryGetField(cache, 'd', 'a');
    expectType(field, 'Hit', 'getField');
    assert.equal(field.valueString(), '1');
    expectType(await client.dictionaryGetField(cache, 'd', 'zz'), 'Miss', 'getField of a missing field');
    const fields = await client.dictionaryGetFields(cache, 'd', ['a', 'zz', 'c']);
    expectType(fields, 'Hit', 'getFields');
    assert.deepEqual(fields.valueRecord(), { a: '1', c: '3' });
    const fetched = await client.dictionaryFetch(cache, 'd');
    expectType(fetched, 'Hit', 'fetch');
    assert.deepEqual(fetched.valueRecord(), { a: '1', b: '2', c: '3' });
    const incremented = await client.dictionaryIncrement(cache, 'd', 'n', 5);
    expectType(incremented, 'Success', 'increment');
    assert.equal(incremented.value(), 5);
    await client.dictionarySetField(cache, 'd', 'text', 'abc');
    expectError(await client.dictionaryIncrement(cache, 'd', 'text', 1), FAILED_PRECONDITION(),
                'increment of a non-integer field');
    expectType(await client.dictionaryRemoveField(cache, 'd', 'text'), 'Success', 'removeField');
    const length = await client.dictionaryLength(cache, 'd');
    expectType(length, 'Hit', 'length');
    assert.equal(length.length(), 4);
    expectType(await client.dictionaryRemoveField(cache, 'd', 'a'), 'Success', 'removeField');
    expectType(await client.dictionaryRemoveFields(cache, 'd', ['b', 'c', 'n']), 'Success',
               'removeFields');
    expectType(await client.dictionaryFetch(cache, 'd'), 'Miss', 'fetch after removing all');
    expectType(await client.dictionaryGetField(cache, 'd', 'a'), 'Miss', 'getField of a missing dictionary');
    expectType(await client.dictionaryGetFields(cache, 'd', ['a']), 'Miss', 'getFields of a missing dictionary');
    expectType(await client.dictionaryLength(cache, 'd'), 'Miss', 'length of a missing dictionary');
    expectError(await client.dictionaryFetch(cache, 'scalar'), FAILED_PRECONDITION(), 'fetch of a scalar');
    expectError(await client.dictionarySetField(cache, 'scalar', 'f', 'v'), FAILED_PRECONDITION(),
                'setField on a scalar');
    expectError(await client.dictionaryFetch('no-such-cache', 'd'),
                MomentoErrorCode.CACHE_NOT_FOUND_ERROR, 'fetch in an unknown cache');
  });

  test('sets', async () => {
    expectType(await client.setAddElement(cache, 's', 'a'), 'Success', 'addElement');
    expectType(await client.setAddElements(cache, 's', ['b', 'c']), 'Success', 'addElements');
    const fetched = await client.setFetch(cache, 's');
    expectType(fetched, 'Hit', 'fetch');
    assert.deepEqual(fetched.valueArray().sort(), ['a', 'b', 'c']);
    const contains = await client.setContainsElement(cache, 's', 'a');
    expectType(contains, 'Hit', 'containsElement');
    assert.equal(contains.containsElement(), true);
    const many = await client.setContainsElements(cache, 's', ['a', 'z']);
    expectType(many, 'Hit', 'containsElements');
    assert.deepEqual(many.containsElements(), { a: true, z: false });
    const sample = await client.setSample(cache, 's', 2);
    expectType(sample, 'Hit', 'sample');
    assert.equal(sample.valueArray().length, 2);
    const length = await client.setLength(cache, 's');
    expectType(length, 'Hit', 'length');
    assert.equal(length.length(), 3);
    expectType(await client.setRemoveElement(cache, 's', 'a'), 'Success', 'removeElement');
    expectType(await client.setRemoveElements(cache, 's', ['b']), 'Success', 'removeElements');
    const popped = await client.setPop(cache, 's', 5);
    expectType(popped, 'Hit', 'pop');
    assert.deepEqual(popped.valueArray(), ['c']);
    expectType(await client.setFetch(cache, 's'), 'Miss', 'fetch after popping all');
    expectType(await client.setPop(cache, 's', 1), 'Miss', 'pop of a missing set');
    expectType(await client.setSample(cache, 's', 1), 'Miss', 'sample of a missing set');
    expectType(await client.setContainsElement(cache, 's', 'a'), 'Miss', 'contains on a missing set');
    expectType(await client.setLength(cache, 's'), 'Miss', 'length of a missing set');
    expectError(await client.setAddElement(cache, 'scalar', 'a'), FAILED_PRECONDITION(),
                'addElement on a scalar');
  });

  test('lists', async () => {
    const pushed = await client.listPushBack(cache, 'l', 'b');
    expectType(pushed, 'Success', 'pushBack');
    assert.equal(pushed.listLength(), 1);
    expectType(await client.listPushFront(cache, 'l', 'a'), 'Success', 'pushFront');
    expectType(await client.listConcatenateBack(cache, 'l', ['c', 'd']), 'Success', 'concatenateBack');
    const front = await client.listConcatenateFront(cache, 'l', ['y', 'z'], { truncateBackToSize: 5 });
    expectType(front, 'Success', 'concatenateFront');
    assert.equal(front.listLength(), 5);
    let fetched = await client.listFetch(cache, 'l');
    expectType(fetched, 'Hit', 'fetch');
    assert.deepEqual(fetched.valueList(), ['y', 'z', 'a', 'b', 'c']);
    fetched = await client.listFetch(cache, 'l', { startIndex: 1, endIndex: -1 });
    assert.deepEqual(fetched.valueList(), ['z', 'a', 'b']);
    expectType(await client.listRetain(cache, 'l', { startIndex: 1 }), 'Success', 'retain');
    const popFront = await client.listPopFront(cache, 'l');
    expectType(popFront, 'Hit', 'popFront');
    assert.equal(popFront.valueString(), 'z');
    const popBack = await client.listPopBack(cache, 'l');
    expectType(popBack, 'Hit', 'popBack');
    assert.equal(popBack.valueString(), 'c');
    expectType(await client.listRemoveValue(cache, 'l', 'a'), 'Success', 'removeValue');
    const length = await client.listLength(cache, 'l');
    expectType(length, 'Hit', 'length');
    assert.equal(length.length(), 1);
    expectType(await client.listPopBack(cache, 'l'), 'Hit', 'popBack of the last');
    expectType(await client.listFetch(cache, 'l'), 'Miss', 'fetch of an emptied list');
    expectType(await client.listPopFront(cache, 'l'), 'Miss', 'popFront of a missing list');
    expectType(await client.listPopBack(cache, 'l'), 'Miss', 'popBack of a missing list');
    expectType(await client.listLength(cache, 'l'), 'Miss', 'length of a missing list');
    expectError(await client.listPushBack(cache, 'scalar', 'v'), FAILED_PRECONDITION(),
                'pushBack on a scalar');
    expectError(await client.listFetch(cache, 'scalar'), FAILED_PRECONDITION(), 'fetch of a scalar');
  });

  test('sorted sets', async () => {
    expectType(await client.sortedSetPutElement(cache, 'z', 'carol', 2), 'Success', 'putElement');
    expectType(await client.sortedSetPutElements(cache, 'z', { bob: 1, alice: 1, dave: 3 }),
               'Success', 'putElements');
    let fetched = await client.sortedSetFetchByRank(cache, 'z');
    expectType(fetched, 'Hit', 'fetchByRank');
    // Equal scores order by value.
    assert.deepEqual(fetched.valueArray().map((e) => e.value), ['alice', 'bob', 'carol', 'dave']);
    fetched = await client.sortedSetFetchByRank(cache, 'z', {
      startRank: 1, endRank: 3, order: SortedSetOrder.Descending,
    });
    assert.deepEqual(fetched.valueArray(), [{ value: 'carol', score: 2 }, { value: 'bob', score: 1 }]);
    fetched = await client.sortedSetFetchByScore(cache, 'z', { minScore: 1, maxScore: 2, offset: 1, count: 2 });
    expectType(fetched, 'Hit', 'fetchByScore');
    assert.deepEqual(fetched.valueArray().map((e) => e.value), ['bob', 'carol']);
    const rank = await client.sortedSetGetRank(cache, 'z', 'dave', { order: SortedSetOrder.Descending });
    expectType(rank, 'Hit', 'getRank');
    assert.equal(rank.rank(), 0);
    expectType(await client.sortedSetGetRank(cache, 'z', 'nobody'), 'Miss', 'getRank of a missing value');
    const score = await client.sortedSetGetScore(cache, 'z', 'carol');
    expectType(score, 'Hit', 'getScore');
    assert.equal(score.score(), 2);
    expectType(await client.sortedSetGetScore(cache, 'z', 'nobody'), 'Miss', 'getScore of a missing value');
    const scores = await client.sortedSetGetScores(cache, 'z', ['alice', 'nobody']);
    expectType(scores, 'Hit', 'getScores');
    assert.deepEqual(scores.valueRecord(), { alice: 1 });
    const incremented = await client.sortedSetIncrementScore(cache, 'z', 'alice', 10);
    expectType(incremented, 'Success', 'incrementScore');
    assert.equal(incremented.score(), 11);
    const length = await client.sortedSetLength(cache, 'z');
    expectType(length, 'Hit', 'length');
    assert.equal(length.length(), 4);
    const byScore = await client.sortedSetLengthByScore(cache, 'z', { minScore: 2 });
    expectType(byScore, 'Hit', 'lengthByScore');
    assert.equal(byScore.length(), 3);
    const union = await client.sortedSetUnionStore(cache, 'u', [
      { sortedSetName: 'z', weight: 1 }, { sortedSetName: 'none', weight: 2 },
    ], { aggregate: SortedSetAggregate.MAX });
    expectType(union, 'Success', 'unionStore');
    assert.equal(union.length(), 4);
    expectType(await client.sortedSetRemoveElement(cache, 'z', 'alice'), 'Success', 'removeElement');
    expectType(await client.sortedSetRemoveElements(cache, 'z', ['bob', 'carol', 'dave']), 'Success',
               'removeElements');
    expectType(await client.sortedSetFetchByRank(cache, 'z'), 'Miss', 'fetchByRank of an emptied set');
    expectType(await client.sortedSetFetchByScore(cache, 'z'), 'Miss', 'fetchByScore of a missing set');
    expectType(await client.sortedSetGetScores(cache, 'z', ['a']), 'Miss', 'getScores of a missing set');
    expectType(await client.sortedSetLength(cache, 'z'), 'Miss', 'length of a missing set');
    expectType(await client.sortedSetLengthByScore(cache, 'z'), 'Miss', 'lengthByScore of a missing set');
    expectError(await client.sortedSetPutElement(cache, 'scalar', 'v', 1), FAILED_PRECONDITION(),
                'putElement on a scalar');
  });

  test('getWithHash, setWithHash and the setIf*Hash* conditions', async () => {
    const encode = (text) => new TextEncoder().encode(text);
    expectType(await client.getWithHash(cache, 'hk'), 'Miss', 'getWithHash of a missing key');
    const stored = await client.setWithHash(cache, 'hk', 'v1');
    expectType(stored, 'Stored', 'setWithHash');
    const hit = await client.getWithHash(cache, 'hk');
    expectType(hit, 'Hit', 'getWithHash');
    assert.equal(hit.valueString(), 'v1');
    assert.deepEqual(hit.hashUint8Array(), stored.hashUint8Array());
    const v1 = hit.hashUint8Array();
    expectType(await client.setIfPresentAndHashEqual(cache, 'hk', 'v2', encode('stale')),
               'NotStored', 'setIfPresentAndHashEqual with a stale hash');
    const v2 = await client.setIfPresentAndHashEqual(cache, 'hk', 'v2', v1);
    expectType(v2, 'Stored', 'setIfPresentAndHashEqual with the current hash');
    expectType(await client.setIfPresentAndHashNotEqual(cache, 'hk', 'v3', v2.hashUint8Array()),
               'NotStored', 'setIfPresentAndHashNotEqual with the current hash');
    expectType(await client.setIfPresentAndHashNotEqual(cache, 'absent-h', 'x', v1), 'NotStored',
               'setIfPresentAndHashNotEqual of a missing key');
    expectType(await client.setIfAbsentOrHashEqual(cache, 'absent-h', 'a', v1), 'Stored',
               'setIfAbsentOrHashEqual of a missing key');
    expectType(await client.setIfAbsentOrHashNotEqual(cache, 'hk', 'v3', v2.hashUint8Array()),
               'NotStored', 'setIfAbsentOrHashNotEqual with the current hash');
    expectType(await client.setIfAbsentOrHashNotEqual(cache, 'hk', 'v3', v1), 'Stored',
               'setIfAbsentOrHashNotEqual with another hash');
    // The hash survives the SDK's string form (hashString()).
    const again = await client.getWithHash(cache, 'hk');
    expectType(await client.setIfPresentAndHashEqual(cache, 'hk', 'v4', encode(again.hashString())),
               'Stored', 'setIfPresentAndHashEqual with hashString()');
    assert.equal((await client.get(cache, 'hk')).valueString(), 'v4');
    // The error outcome: a collection under the key.
    expectType(await client.dictionarySetField(cache, 'hd', 'f', 'x'), 'Success', 'setField');
    expectError(await client.getWithHash(cache, 'hd'), FAILED_PRECONDITION(),
                'getWithHash of a dictionary');
    expectError(await client.setIfPresentAndHashEqual(cache, 'hd', 'x', v1),
                FAILED_PRECONDITION(), 'setIfPresentAndHashEqual on a dictionary');
  });

  test('limits: a collection element over 128 KiB is LimitExceeded, and nothing is stored',
       async () => {
    const big = 'x'.repeat(128 * 1024 + 1);
    const added = await client.setAddElement(cache, 'big', big);
    expectError(added, MomentoErrorCode.LIMIT_EXCEEDED_ERROR, 'setAddElement');
    assert.match(added.message(), /Element size limit exceeded/);
    expectType(await client.setFetch(cache, 'big'), 'Miss', 'setFetch after the refusal');
    expectError(await client.dictionarySetField(cache, 'bigd', 'f', big),
                MomentoErrorCode.LIMIT_EXCEEDED_ERROR, 'dictionarySetField');
    expectType(await client.listPushBack(cache, 'bigl', 'x'.repeat(128 * 1024)), 'Success',
               'listPushBack at the limit');
  });

  test('itemGetType answers the real type', async () => {
    await client.dictionarySetField(cache, 't-d', 'f', 'v');
    await client.setAddElement(cache, 't-s', 'e');
    await client.listPushBack(cache, 't-l', 'v');
    await client.sortedSetPutElement(cache, 't-z', 'v', 1);
    for (const [key, type] of [['scalar', ItemType.SCALAR], ['t-d', ItemType.DICTIONARY],
                               ['t-s', ItemType.SET], ['t-l', ItemType.LIST],
                               ['t-z', ItemType.SORTED_SET]]) {
      const got = await client.itemGetType(cache, key);
      expectType(got, 'Hit', `itemGetType ${key}`);
      assert.equal(got.itemType(), type, key);
    }
    expectType(await client.itemGetType(cache, 't-none'), 'Miss', 'itemGetType of a missing key');
  });

  test('CollectionTtl on the scheduler clock: refresh or not on write', async () => {
    await client.setAddElement(cache, 'ttl-refresh', 'a', { ttl: CollectionTtl.of(60) });
    await client.setAddElement(cache, 'ttl-fixed', 'a', { ttl: CollectionTtl.of(60) });
    const advance = async (duration) => {
      const advanced = await adminJson(server.admin, 'POST', '/_thaw/clock/advance', { duration });
      assert.equal(advanced.status, 200);
    };
    await advance('50s');
    await client.setAddElement(cache, 'ttl-refresh', 'b', { ttl: CollectionTtl.of(60) });
    await client.setAddElement(cache, 'ttl-fixed', 'b',
                               { ttl: CollectionTtl.of(60).withNoRefreshTtlOnUpdates() });
    await advance('11s');
    expectType(await client.setFetch(cache, 'ttl-fixed'), 'Miss', 'the unrefreshed set expired');
    const refreshed = await client.setFetch(cache, 'ttl-refresh');
    expectType(refreshed, 'Hit', 'the refreshed set lives');
    assert.deepEqual(refreshed.valueArray().sort(), ['a', 'b']);
    await advance('50s');
    expectType(await client.setFetch(cache, 'ttl-refresh'), 'Miss', 'and expires 60 s after its refresh');
  });
});

// Topics (issue 15): TopicClient publish (string and bytes) and subscribe, with the fake's
// subscription events in the ledger.
describe('@gomomento/sdk topics (TopicConfigurations.Lambda.latest())', () => {
  const { TopicClient, TopicConfigurations, TopicPublish, TopicSubscribe } = sdk;
  const cache = 'topics';
  let server;
  let client;
  let topics;

  before(async () => {
    server = await startThaw();
    client = newClient(Configurations.Lambda.latest(), server.port);
    assertInstance(await client.createCache(cache), CreateCache.Success, 'createCache');
    topics = new TopicClient({
      configuration: TopicConfigurations.Lambda.latest(),
      credentialProvider: CredentialProvider.forMomentoLocal({ hostname: '127.0.0.1',
                                                               port: server.port }),
    });
  });
  after(async () => {
    // TopicClient 1.118.1 has no close(); its channels end with the server.
    client?.close();
    await server?.stop();
  });

  test('subscribe receives string and bytes items in order, with sequence numbers', async () => {
    const items = [];
    let gotBoth;
    const both = new Promise((resolve) => { gotBoth = resolve; });
    const errors = [];
    const subscription = await topics.subscribe(cache, 'news', {
      onItem: (item) => {
        items.push(item);
        if (items.length === 2) gotBoth();
      },
      onError: (error) => errors.push(error.toString()),
    });
    assertInstance(subscription, TopicSubscribe.Subscription, 'subscribe');
    try {
      assertInstance(await topics.publish(cache, 'news', 'hello'), TopicPublish.Success, 'publish');
      assertInstance(await topics.publish(cache, 'news', new Uint8Array([1, 2, 3])),
                     TopicPublish.Success, 'publish bytes');
      await both;
      assert.equal(items[0].valueString(), 'hello');
      assert.equal(items[0].sequenceNumber(), 1);
      assert.deepEqual([...items[1].value()], [1, 2, 3]);
      assert.equal(items[1].sequenceNumber(), 2);
      assert.deepEqual(errors, []);
    } finally {
      subscription.unsubscribe();
    }
    await server.waitFor((events) => events.some((e) => e.kind === 'momento.subscription.closed'),
                         'the subscription closed');
    const events = await server.events();
    const opened = events.filter((e) => e.kind === 'momento.subscription.opened');
    assert.equal(opened.length, 1);
    assert.equal(opened[0].attrs.topic, 'news');
    const closed = events.filter((e) => e.kind === 'momento.subscription.closed');
    assert.equal(closed[0].attrs.items, 2);
  });

  test('a message over 4 KiB is LimitExceeded', async () => {
    const published = await topics.publish(cache, 'news', 'x'.repeat(4 * 1024 + 1));
    assertInstance(published, TopicPublish.Error, 'publish of 4 KiB + 1');
    assert.equal(published.errorCode(), MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
    assert.match(published.message(), /Request size limit exceeded/);
    assertInstance(await topics.publish(cache, 'news', 'x'.repeat(4 * 1024)), TopicPublish.Success,
                   'publish of 4 KiB');
  });

  test('a server-side end_stream_after fault: the stream ends with its status after N items',
       async () => {
    const { status, body } = await adminJson(
      server.admin, 'POST', '/_thaw/faults',
      { service: 'momento', instance: server.instance, rpc: 'Subscribe', error: 'NOT_FOUND',
        end_stream_after: 2, count: 1 });
    assert.equal(status, 201, JSON.stringify(body));
    const items = [];
    let failed;
    const error = new Promise((resolve) => { failed = resolve; });
    const subscription = await topics.subscribe(cache, 'cut', {
      onItem: (item) => items.push(item.valueString()),
      onError: (e) => failed(e),
    });
    assertInstance(subscription, TopicSubscribe.Subscription, 'subscribe');
    try {
      for (const text of ['one', 'two', 'three']) {
        assertInstance(await topics.publish(cache, 'cut', text), TopicPublish.Success, 'publish');
      }
      // NOT_FOUND is not one the SDK resubscribes on: it reports it and ends the subscription.
      const reported = await error;
      assert.equal(reported.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
      assert.deepEqual(items, ['one', 'two']);
    } finally {
      subscription.unsubscribe();
      await adminJson(server.admin, 'DELETE', '/_thaw/faults');
    }
    const events = await server.events();
    const closed = events.filter((e) => e.kind === 'momento.subscription.closed' &&
                                        e.attrs.topic === 'cut');
    assert.equal(closed.length, 1);
    assert.equal(closed[0].attrs.code, 'NOT_FOUND');
    assert.equal(closed[0].attrs.items, 2);
    const fired = events.filter((e) => e.kind === 'momento.fault' && e.attrs.id === body.id);
    assert.equal(fired.length, 1);
    assert.equal(fired[0].attrs.fault, 'stream_error');
  });

  test('end_stream_after with UNAVAILABLE: the SDK resubscribes and keeps receiving', async () => {
    const { status, body } = await adminJson(
      server.admin, 'POST', '/_thaw/faults',
      { service: 'momento', instance: server.instance, error: 'UNAVAILABLE', end_stream_after: 1,
        count: 1 });
    assert.equal(status, 201, JSON.stringify(body));
    const items = [];
    const errors = [];
    let gotTwo;
    const two = new Promise((resolve) => { gotTwo = resolve; });
    const subscription = await topics.subscribe(cache, 'resumed', {
      onItem: (item) => {
        items.push(item.valueString());
        if (items.length === 2) gotTwo();
      },
      onError: (e) => errors.push(e.toString()),
    });
    assertInstance(subscription, TopicSubscribe.Subscription, 'subscribe');
    try {
      assertInstance(await topics.publish(cache, 'resumed', 'one'), TopicPublish.Success,
                     'publish one');
      // The first stream ends after 'one'; the SDK opens a second one by itself.
      await server.waitFor(
        (events) => events.filter((e) => e.kind === 'momento.subscription.opened' &&
                                         e.attrs.topic === 'resumed').length === 2,
        'the SDK resubscribed');
      assertInstance(await topics.publish(cache, 'resumed', 'two'), TopicPublish.Success,
                     'publish two');
      await two;
      assert.deepEqual(items, ['one', 'two']);
      assert.deepEqual(errors, []);
    } finally {
      subscription.unsubscribe();
      await adminJson(server.admin, 'DELETE', '/_thaw/faults');
    }
    const closed = (await server.events()).filter(
      (e) => e.kind === 'momento.subscription.closed' && e.attrs.topic === 'resumed');
    assert.equal(closed[0].attrs.code, 'UNAVAILABLE');
    assert.equal(closed[0].attrs.items, 1);
  });

  test('the 101st open subscription on a cache is the SDK\'s LimitExceeded, and a freed slot '
       + 'takes a new one', async () => {
    const open = [];
    try {
      for (let i = 0; i < 100; i++) {
        const subscription = await topics.subscribe(cache, `many-${i % 7}`, { onItem: () => {} });
        assertInstance(subscription, TopicSubscribe.Subscription, `subscription ${i + 1}`);
        open.push(subscription);
      }
      const over = await topics.subscribe(cache, 'many-0', { onItem: () => {} });
      assertInstance(over, TopicSubscribe.Error, 'the 101st subscription');
      assert.equal(over.errorCode(), MomentoErrorCode.LIMIT_EXCEEDED_ERROR);
      assert.match(over.message(), /subscriptions/i);
      // Unsubscribing frees a slot once the server has seen the stream end.
      open.pop().unsubscribe();
      await server.waitFor(
        (events) => events.filter((e) => e.kind === 'momento.subscription.closed' &&
                                         e.attrs.topic?.startsWith('many-')).length >= 1,
        'the freed subscription closed');
      const again = await topics.subscribe(cache, 'many-1', { onItem: () => {} });
      assertInstance(again, TopicSubscribe.Subscription, 'a subscription in the freed slot');
      open.push(again);
    } finally {
      for (const subscription of open) subscription.unsubscribe();
    }
    await server.waitFor(
      (events) => events.filter((e) => e.kind === 'momento.subscription.closed' &&
                                       e.attrs.topic?.startsWith('many-')).length >= 101,
      'every subscription closed');
  });

  test('publish and subscribe on an unknown cache are CacheNotFound', async () => {
    const published = await topics.publish('no-such-cache', 'news', 'x');
    assertInstance(published, TopicPublish.Error, 'publish to an unknown cache');
    assert.equal(published.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
    const subscribed = await topics.subscribe('no-such-cache', 'news', { onItem: () => {} });
    assertInstance(subscribed, TopicSubscribe.Error, 'subscribe to an unknown cache');
    assert.equal(subscribed.errorCode(), MomentoErrorCode.CACHE_NOT_FOUND_ERROR);
  });

  test('accounting: a subscription stays open while the instance is frozen, and ends (CANCELLED) '
       + 'when the instance is reaped', { skip: MODE !== 'serve' && 'serve mode only' }, async () => {
    const accounting = async () => (await adminJson(server.admin, 'GET', '/_thaw/momento'))
      .body.instances.find((i) => i.instance === server.instance);
    const subscription = await topics.subscribe(cache, 'kept', { onItem: () => {} });
    assertInstance(subscription, TopicSubscribe.Subscription, 'subscribe');
    try {
      // The target instance is frozen between invokes: the stream stays open.
      const frozen = await accounting();
      assert.equal(frozen.open_subscriptions, 1);
      // Past the idle keepalive: the instance is reaped, its listener closes, so does the stream.
      const advanced = await adminJson(server.admin, 'POST', '/_thaw/clock/advance',
                                       { duration: '11m' });
      assert.equal(advanced.status, 200);
      await server.waitFor(
        (events) => events.some((e) => e.kind === 'momento.subscription.closed' &&
                                       e.attrs.topic === 'kept'),
        'the kept subscription closed');
      const reaped = await accounting();
      assert.equal(reaped.open_subscriptions, 0);
      const events = await server.events();
      const closed = events.filter(
        (e) => e.kind === 'momento.subscription.closed' && e.attrs.topic === 'kept');
      assert.equal(closed[0].attrs.code, 'CANCELLED');
      // Ended by the reap, not by the SDK's own deadline on a first subscribe (5 s): the
      // connection went with the instance.
      const gone = events.find((e) => e.kind === 'instance.gone');
      assert.ok(gone && gone.seq < closed[0].seq, 'the subscription ended after the reap');
      assert.ok(events.some((e) => e.kind === 'momento.connection.closed' &&
                                   e.attrs.reason === 'instance_gone' && e.attrs.by === 'thaw'),
                'the reap closed the connection');
    } finally {
      subscription.unsubscribe();
    }
  });
});
