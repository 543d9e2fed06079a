// The real Momento SDK (@gomomento/sdk, pinned in package.json) against `thaw momento`.
// Each suite starts its own `thaw momento --port 0 --quiet --events FILE` and reads the ledger
// events it writes (JSON lines, written before the RPC that caused them answers) to count
// connections. THAW_BINARY names the thaw binary (CTest sets it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@gomomento', 'sdk'))) {
  throw new Error(
    `${here}/node_modules is missing: run scripts/install-test-deps.sh (npm ci) first`);
}
const sdk = await import('@gomomento/sdk');
const {
  CacheClient, Configurations, CredentialProvider, MomentoErrorCode, CreateCache, DeleteCache,
  ListCaches, CacheGet, CacheSet, CacheDelete, CacheIncrement, CacheSetIfNotExists,
  CacheKeysExist, CacheItemGetTtl, CacheUpdateTtl, CacheGetBatch, CacheSetBatch,
} = sdk;

const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) {
  throw new Error(`THAW_BINARY (${THAW}) is not a built thaw binary; build first`);
}
const dir = mkdtempSync(path.join(tmpdir(), 'thaw-momento-'));
let servers = 0;

// Starts `thaw momento` on a kernel-chosen port; resolves once it printed its ready line.
async function startThaw(extraArgs = []) {
  const events = path.join(dir, `events-${++servers}.jsonl`);
  const child = spawn(THAW, ['momento', '--port', '0', '--quiet', '--events', events, ...extraArgs],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/thaw momento: listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`thaw momento exited (${code}): ${out}`)));
  });
  return {
    port,
    events() {
      return readFileSync(events, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, 'thaw momento exits 0 on SIGTERM');
    },
  };
}

function newClient(configuration, port) {
  return new CacheClient({
    configuration,
    credentialProvider: CredentialProvider.forMomentoLocal({ hostname: '127.0.0.1', port }),
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
           const events = server.events();
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

describe('authentication', () => {
  let server;
  before(async () => { server = await startThaw(['--cache', 'c', '--api-key', 'the-key']); });
  after(async () => { await server?.stop(); });

  test('with --api-key, the empty key of forMomentoLocal is AuthenticationError', async () => {
    const client = newClient(Configurations.Lambda.latest(), server.port);
    try {
      const response = await client.get('c', 'k');
      assertInstance(response, CacheGet.Error, 'get');
      assert.equal(response.errorCode(), MomentoErrorCode.AUTHENTICATION_ERROR);
    } finally {
      client.close();
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
      const before = server.events().length;
      assertInstance(await client.get('c', 'retried'), CacheGet.Miss, 'get after 2 errors');
      // The previous test's delayed Get may finish (and be recorded) during this one: skip it.
      const gets = server.events().slice(before)
        .filter((e) => e.kind === 'momento.rpc' && e.attrs.method === 'Get' &&
                       e.attrs.fault !== 'delay');
      assert.deepEqual(gets.map((e) => e.attrs.code), ['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
    } finally {
      client.close();
    }
  });
});
