// Real AWS clients over HTTPS against `thaw aws --tls`, trusting thaw's per-run CA only through
// environment variables, each client in its own process (SigV4 on, over TLS). What each honours:
//   @aws-sdk v3, aws-sdk v2 (Node)  NODE_EXTRA_CA_CERTS (Node's store); neither reads
//                                   AWS_CA_BUNDLE;
//   awscli v2, boto3 (botocore)     AWS_CA_BUNDLE, else REQUESTS_CA_BUNDLE (botocore's own
//                                   fallback); botocore passes a CA file to urllib3, so
//                                   SSL_CERT_FILE does not help.
// THAW_BINARY names the thaw binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvents, stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const module of ['@aws-sdk/client-secrets-manager', 'aws-sdk']) {
  if (!existsSync(path.join(here, 'node_modules', module))) {
    throw new Error(
      `${here}/node_modules/${module} is missing: run scripts/install-test-deps.sh (npm ci) first`);
  }
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) {
  throw new Error(`THAW_BINARY (${THAW}) is not a built thaw binary; build first`);
}
// Variables through which a client might find a CA; each client gets only the ones a test names.
const CA_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'AWS_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE',
  'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', 'HTTPS_PROXY', 'https_proxy',
  'HTTP_PROXY', 'http_proxy', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SECRETS_MANAGER'];
const dir = mkdtempSync(path.join(tmpdir(), 'thaw-aws-tls-'));

function clientEnv(vars) {
  const env = { ...process.env };
  for (const name of CA_VARIABLES) delete env[name];
  return {
    ...env, HOME: dir, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1', AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...vars,
  };
}

let server;
before(async () => {
  const config = path.join(dir, 'thaw.yaml');
  writeFileSync(config, 'secrets:\n  prod/db: "over tls"\n');
  const events = path.join(dir, 'events.jsonl');
  const child = spawn(THAW, ['aws', '--port', '0', '--quiet', '--events', events, '--sigv4', 'on',
    '--tls', '--tls-dir', path.join(dir, 'run'), '--config', config],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const match = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/thaw aws: listening on 127\.0\.0\.1:(\d+) \(TLS, CA (\S+)\)/);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`thaw aws exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  server = {
    endpoint: `https://localhost:${match[1]}`,
    ipEndpoint: `https://127.0.0.1:${match[1]}`,
    ca: match[2],
    requests() {
      return readEvents(events).filter((e) => e.kind === 'aws.request');
    },
    stop: () => stopThaw(child, 'thaw aws'),
  };
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function nodeClient(sdk, vars, endpoint = server.endpoint) {
  const r = spawnSync(process.execPath, [path.join(here, 'tls_client.mjs'), sdk, endpoint, 'prod/db'],
    { cwd: here, encoding: 'utf8', env: clientEnv(vars), timeout: 60000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, r.stdout + r.stderr);
  return JSON.parse(line.slice('RESULT '.length));
}

// Asserts that exactly one more GetSecretValue was answered `ok`, signed, since `before`.
function assertOneSignedGet(before) {
  const mine = server.requests().slice(before);
  assert.equal(mine.length, 1, JSON.stringify(mine));
  assert.equal(mine[0].attrs.operation, 'GetSecretValue');
  assert.equal(mine[0].attrs.outcome, 'ok');
}

const UNTRUSTED = /self[- ]signed|unable to (verify|get local issuer)|certificate verify failed|CERTIFICATE_VERIFY_FAILED|SSL validation failed/i;

test('the ready line names the CA, a PEM certificate in --tls-dir', () => {
  assert.equal(server.ca, path.join(dir, 'run', 'ca.pem'));
  assert.match(readFileSync(server.ca, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
});

for (const sdk of ['v3', 'v2']) {
  describe(`${sdk === 'v3' ? '@aws-sdk/client-secrets-manager (v3)' : 'aws-sdk (v2)'} over HTTPS`,
    () => {
      test('trusts the CA through NODE_EXTRA_CA_CERTS', () => {
        const before = server.requests().length;
        assert.deepEqual(nodeClient(sdk, { NODE_EXTRA_CA_CERTS: server.ca }),
          { value: 'over tls' });
        assertOneSignedGet(before);
        assert.deepEqual(
          nodeClient(sdk, { NODE_EXTRA_CA_CERTS: server.ca }, server.ipEndpoint),
          { value: 'over tls' }, 'by IP address too (the certificate names 127.0.0.1)');
      });
      test('does not read AWS_CA_BUNDLE, and refuses the certificate without the CA', () => {
        const before = server.requests().length;
        for (const vars of [{ AWS_CA_BUNDLE: server.ca }, {}]) {
          const result = nodeClient(sdk, vars);
          assert.ok(result.error, JSON.stringify(result));
          assert.match(result.error, UNTRUSTED);
        }
        assert.equal(server.requests().length, before, 'no request reached the fake');
      });
    });
}

const hasAwscli = existsSync('/usr/bin/aws');
describe('awscli v2 (/usr/bin/aws) over HTTPS', { skip: !hasAwscli && 'no /usr/bin/aws' }, () => {
  const awscli = (vars) => spawnSync('/usr/bin/aws', ['secretsmanager', 'get-secret-value',
    '--secret-id', 'prod/db', '--endpoint-url', server.endpoint, '--region', 'us-east-1',
    '--output', 'json'], { encoding: 'utf8', env: clientEnv(vars), timeout: 60000 });
  test('trusts the CA through AWS_CA_BUNDLE', () => {
    const before = server.requests().length;
    const r = awscli({ AWS_CA_BUNDLE: server.ca });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).SecretString, 'over tls');
    assertOneSignedGet(before);
  });
  test('without it, SSL validation fails', () => {
    const r = awscli({});
    assert.equal(r.status, 255, r.stderr);
    assert.match(r.stderr, UNTRUSTED);
  });
});

const hasBoto3 = spawnSync('/usr/bin/python3', ['-c', 'import boto3']).status === 0;
describe('boto3 (Debian python3-boto3) over HTTPS', { skip: !hasBoto3 && 'no python3-boto3' },
  () => {
    const boto3 = (vars) => {
      const program = `
import json, boto3, botocore.config
cfg = botocore.config.Config(retries={'total_max_attempts': 1, 'mode': 'standard'})
sm = boto3.client('secretsmanager', endpoint_url='${server.endpoint}', region_name='us-east-1',
                  config=cfg)
try:
    print('RESULT ' + json.dumps({'value': sm.get_secret_value(SecretId='prod/db')['SecretString']}))
except Exception as e:
    print('RESULT ' + json.dumps({'error': str(e), 'code': type(e).__name__}))
`;
      const r = spawnSync('/usr/bin/python3', ['-c', program],
        { encoding: 'utf8', env: clientEnv(vars), timeout: 60000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      assert.ok(line, r.stdout + r.stderr);
      return JSON.parse(line.slice('RESULT '.length));
    };
    test('trusts the CA through AWS_CA_BUNDLE', () => {
      const before = server.requests().length;
      assert.deepEqual(boto3({ AWS_CA_BUNDLE: server.ca }), { value: 'over tls' });
      assertOneSignedGet(before);
    });
    test('or through REQUESTS_CA_BUNDLE (botocore falls back to it)', () => {
      assert.deepEqual(boto3({ REQUESTS_CA_BUNDLE: server.ca }), { value: 'over tls' });
    });
    test('SSL_CERT_FILE is not enough; nothing is', () => {
      for (const vars of [{ SSL_CERT_FILE: server.ca }, {}]) {
        const result = boto3(vars);
        assert.equal(result.code, 'SSLError', JSON.stringify([vars, result]));
      }
    });
  });
