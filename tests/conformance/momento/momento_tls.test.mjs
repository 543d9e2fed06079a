// The real Momento SDK (@gomomento/sdk, grpc-js 1.13.5) over TLS against `thaw momento --tls`,
// trusting thaw's per-run CA only through environment variables, each client in its own Node
// process. It shows which variables grpc-js honours for its roots:
//   NODE_EXTRA_CA_CERTS               yes: createSsl() with no roots uses Node's default store,
//                                     to which Node adds these at start;
//   GRPC_DEFAULT_SSL_ROOTS_FILE_PATH  yes, read when grpc-js loads: that file becomes the
//                                     explicit `ca`, which REPLACES Node's store and the extra
//                                     certificates (so setting it to the system bundle alone
//                                     loses NODE_EXTRA_CA_CERTS).
// The SDK's endpoints are `localhost:PORT` overrides with secureConnection: true (a key's own
// `cache.<endpoint>` names need the sandbox's resolver). THAW_BINARY names the thaw binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readEvents, stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
if (!existsSync(path.join(here, 'node_modules', '@gomomento', 'sdk'))) {
  throw new Error(
    `${here}/node_modules is missing: run scripts/install-test-deps.sh (npm ci) first`);
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) {
  throw new Error(`THAW_BINARY (${THAW}) is not a built thaw binary; build first`);
}
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

// The environment of a client process: ours without any CA variable, plus `vars`.
function clientEnv(vars) {
  const env = { ...process.env };
  for (const name of ['NODE_EXTRA_CA_CERTS', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'SSL_CERT_FILE',
    'grpc_proxy', 'https_proxy', 'http_proxy']) {
    delete env[name];
  }
  return { ...env, ...vars };
}

async function runClient(port, vars) {
  const { stdout } = await promisify(execFile)(
    process.execPath, [path.join(here, 'tls_client.mjs')],
    { cwd: here, env: clientEnv({ THAW_TEST_PORT: String(port), ...vars }), timeout: 60000 });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, stdout);
  return JSON.parse(line.slice('RESULT '.length));
}

describe('@gomomento/sdk over TLS to thaw momento --tls', () => {
  let child;
  let port;
  let ca;
  let dir;
  let eventsFile;
  const events = () => readEvents(eventsFile);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'thaw-momento-tls-'));
    eventsFile = path.join(dir, 'events.jsonl');
    child = spawn(THAW, ['momento', '--port', '0', '--tls', '--tls-dir', path.join(dir, 'run'),
      '--cache', 'c', '--quiet', '--events', eventsFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const match = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/thaw momento: listening on 127\.0\.0\.1:(\d+) \(TLS, CA (\S+)\)/);
        if (m) resolve(m);
      });
      child.on('exit', (code) => reject(new Error(`thaw exited (${code}): ${out}`)));
    });
    child.stdout.resume();
    port = Number(match[1]);
    ca = match[2];
  });

  after(async () => {
    await stopThaw(child, 'thaw momento');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the ready line names the CA, a PEM certificate in --tls-dir', () => {
    assert.equal(ca, path.join(dir, 'run', 'ca.pem'));
    assert.match(readFileSync(ca, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
  });

  test('NODE_EXTRA_CA_CERTS alone: one TLS connection carries the Set and the Get', async () => {
    const before = events().length;
    const result = await runClient(port, { NODE_EXTRA_CA_CERTS: ca });
    assert.deepEqual(result, { set: 'Success', get: 'Hit', value: 'over tls' });
    const mine = events().slice(before);
    const opened = mine.filter((e) => e.kind === 'momento.connection.opened');
    const rpcs = mine.filter((e) => e.kind === 'momento.rpc');
    // Configurations.Lambda: exactly 1 data connection, as over plaintext.
    assert.equal(opened.length, 1, JSON.stringify(mine));
    assert.deepEqual(rpcs.map((e) => e.attrs.method), ['Set', 'Get']);
    for (const rpc of rpcs) assert.equal(rpc.attrs.connection, opened[0].attrs.connection);
    assert.equal(mine.filter((e) => e.kind === 'momento.connection.tls_failed').length, 0);
  });

  test('GRPC_DEFAULT_SSL_ROOTS_FILE_PATH alone works too', async () => {
    const result = await runClient(port, { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: ca });
    assert.deepEqual(result, { set: 'Success', get: 'Hit', value: 'over tls' });
  });

  test('GRPC_DEFAULT_SSL_ROOTS_FILE_PATH replaces NODE_EXTRA_CA_CERTS', async () => {
    const before = events().length;
    const result = await runClient(port, {
      NODE_EXTRA_CA_CERTS: ca, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: SYSTEM_BUNDLE,
    });
    assert.ok(result.error, JSON.stringify(result));
    const failed = events().slice(before).filter((e) => e.kind === 'momento.connection.tls_failed');
    assert.ok(failed.length >= 1, 'the fake records the refused handshake');
  });

  test('a client that trusts only the system store is refused, and the fake records it',
    async () => {
      const before = events().length;
      const result = await runClient(port, {});
      assert.ok(result.error, JSON.stringify(result));
      const mine = events().slice(before);
      assert.ok(mine.some((e) => e.kind === 'momento.connection.tls_failed'), JSON.stringify(mine));
      assert.equal(mine.filter((e) => e.kind === 'momento.connection.opened').length, 0);
    });
});
