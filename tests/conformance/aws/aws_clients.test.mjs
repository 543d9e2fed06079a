// Real AWS clients against `thaw aws` (standalone, SigV4 on): @aws-sdk/client-secrets-manager
// and @aws-sdk/client-ssm (v3), aws-sdk (v2), Debian's awscli v2 (/usr/bin/aws) and boto3
// (Debian's python3-boto3 under /usr/bin/python3). Each: success, not found, access denied by
// an IAM policy (`--policy`), bad signature, throttling (a fault set through POST
// /_thaw/faults). Every request is counted from the
// ledger events `thaw aws --events FILE` writes before it answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvents, stopThaw } from '../thaw_child.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const module of ['@aws-sdk/client-secrets-manager', '@aws-sdk/client-ssm', 'aws-sdk']) {
  if (!existsSync(path.join(here, 'node_modules', module))) {
    throw new Error(
      `${here}/node_modules/${module} is missing: run scripts/install-test-deps.sh (npm ci) first`);
  }
}
const THAW = process.env.THAW_BINARY;
if (!THAW || !existsSync(THAW)) {
  throw new Error(`THAW_BINARY (${THAW}) is not a built thaw binary; build first`);
}
const sm3 = await import('@aws-sdk/client-secrets-manager');
const ssm3 = await import('@aws-sdk/client-ssm');
const AWS = (await import('aws-sdk')).default;

const REGION = 'us-east-1';
const KEY = { accessKeyId: 'AKIATHAWCONFORMANCE', secretAccessKey: 'conformance-secret' };
const BAD = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong-secret' };
// A key whose policy grants GetSecretValue on other/* only.
const DENIED = { accessKeyId: 'AKIATHAWDENIED', secretAccessKey: 'denied-secret' };
const DENIED_POLICY = { Version: '2012-10-17', Statement: [{
  Effect: 'Allow', Action: 'secretsmanager:GetSecretValue',
  Resource: 'arn:aws:secretsmanager:*:*:secret:other/*' }] };
// AWS's message, for the role thaw aws gives its keys.
const DENIED_MESSAGE = new RegExp(
  '^User: arn:aws:sts::123456789012:assumed-role/thaw-function-role/thaw is not authorized to ' +
  'perform: secretsmanager:GetSecretValue on resource: ' +
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/momento-[A-Za-z]{6} because no ' +
  'identity-based policy allows the secretsmanager:GetSecretValue action$');
const dir = mkdtempSync(path.join(tmpdir(), 'thaw-aws-'));
const config = path.join(dir, 'thaw.yaml');
writeFileSync(config, `secrets:
  prod/momento:
    value: {MOMENTO_API_KEY: "key-123"}
parameters:
  /app/table: {type: String, value: orders}
`);

let server;
before(async () => {
  const events = path.join(dir, 'events.jsonl');
  const child = spawn(THAW, ['aws', '--port', '0', '--quiet', '--events', events, '--sigv4', 'on',
                             '--access-key', `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
                             '--access-key', `${DENIED.accessKeyId}:${DENIED.secretAccessKey}`,
                             '--policy', `${DENIED.accessKeyId}=${JSON.stringify(DENIED_POLICY)}`,
                             '--config', config],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/thaw aws: listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`thaw aws exited (${code}): ${out}`)));
  });
  server = {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    events() {
      return readEvents(events).filter((e) => e.kind === 'aws.request');
    },
    async fault(body) {
      const response = await fetch(`http://127.0.0.1:${port}/_thaw/faults`,
                                   { method: 'POST', body: JSON.stringify(body) });
      assert.equal(response.status, 201);
      return (await response.json()).id;
    },
    stop: () => stopThaw(child, 'thaw aws'),
  };
});
after(async () => { await server?.stop(); });

// The ledger's last aws.request event.
function lastEvent() {
  const events = server.events();
  return events[events.length - 1];
}

describe('@aws-sdk/client-secrets-manager and @aws-sdk/client-ssm (v3)', () => {
  const client = (credentials = KEY) => new sm3.SecretsManagerClient(
    { endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
  const ssm = () => new ssm3.SSMClient(
    { endpoint: server.endpoint, region: REGION, credentials: KEY, maxAttempts: 1 });

  test('GetSecretValue', async () => {
    const out = await client().send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' }));
    assert.equal(JSON.parse(out.SecretString).MOMENTO_API_KEY, 'key-123');
    assert.match(out.ARN, /:secret:prod\/momento-[A-Za-z]{6}$/);
    assert.ok(out.CreatedDate instanceof Date);
    assert.deepEqual(out.VersionStages, ['AWSCURRENT']);
    assert.equal(lastEvent().attrs.outcome, 'ok');
    assert.equal(lastEvent().attrs.secret, 'prod/momento');
  });
  test('not found', async () => {
    await assert.rejects(client().send(new sm3.GetSecretValueCommand({ SecretId: 'nope' })),
                         (e) => e.name === 'ResourceNotFoundException' &&
                           e.message === "Secrets Manager can't find the specified secret." &&
                           e.$metadata.httpStatusCode === 400);
  });
  test('access denied by policy', async () => {
    await assert.rejects(
      client(DENIED).send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' })),
      (e) => e.name === 'AccessDeniedException' && DENIED_MESSAGE.test(e.message) &&
        e.$metadata.httpStatusCode === 400);
    assert.equal(lastEvent().attrs.outcome, 'AccessDeniedException');
    assert.equal(lastEvent().attrs.access_key_id, DENIED.accessKeyId);
  });
  test('bad signature', async () => {
    await assert.rejects(
      client(BAD).send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' })),
      (e) => e.name === 'InvalidSignatureException');
  });
  test('throttling', async () => {
    await server.fault({ operation: 'GetSecretValue', error: 'ThrottlingException', count: 1 });
    await assert.rejects(
      client().send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' })),
      (e) => e.name === 'ThrottlingException' && e.message === 'Rate exceeded');
  });
  test('create, put, describe, list, delete', async () => {
    const c = client();
    await c.send(new sm3.CreateSecretCommand({ Name: 'v3/s', SecretString: 'one' }));
    await c.send(new sm3.PutSecretValueCommand({ SecretId: 'v3/s', SecretString: 'two' }));
    const described = await c.send(new sm3.DescribeSecretCommand({ SecretId: 'v3/s' }));
    assert.equal(Object.keys(described.VersionIdsToStages).length, 2);
    const listed = await c.send(new sm3.ListSecretsCommand(
      { Filters: [{ Key: 'name', Values: ['v3/'] }] }));
    assert.deepEqual(listed.SecretList.map((s) => s.Name), ['v3/s']);
    const batch = await c.send(new sm3.BatchGetSecretValueCommand(
      { SecretIdList: ['v3/s', 'missing'] }));
    assert.equal(batch.SecretValues[0].SecretString, 'two');
    assert.equal(batch.Errors[0].ErrorCode, 'ResourceNotFoundException');
    const deleted = await c.send(new sm3.DeleteSecretCommand(
      { SecretId: 'v3/s', ForceDeleteWithoutRecovery: true }));
    assert.ok(deleted.DeletionDate instanceof Date);
  });
  test('SSM GetParameter and ParameterNotFound', async () => {
    const out = await ssm().send(new ssm3.GetParameterCommand({ Name: '/app/table' }));
    assert.equal(out.Parameter.Value, 'orders');
    assert.equal(out.Parameter.Version, 1);
    await assert.rejects(ssm().send(new ssm3.GetParameterCommand({ Name: '/nope' })),
                         (e) => e.name === 'ParameterNotFound');
    const ref = await ssm().send(new ssm3.GetParameterCommand(
      { Name: '/aws/reference/secretsmanager/prod/momento', WithDecryption: true }));
    assert.equal(JSON.parse(ref.Parameter.Value).MOMENTO_API_KEY, 'key-123');
  });
});

describe('aws-sdk (v2)', () => {
  // The usual Lambda code: explicit endpoint, 1 s connect and request timeouts.
  const client = (creds = KEY) => new AWS.SecretsManager({
    endpoint: server.endpoint, region: REGION, ...creds, maxRetries: 0,
    httpOptions: { connectTimeout: 1000, timeout: 1000 },
  });
  test('getSecretValue', async () => {
    const out = await client().getSecretValue({ SecretId: 'prod/momento' }).promise();
    assert.equal(JSON.parse(out.SecretString).MOMENTO_API_KEY, 'key-123');
    assert.ok(out.CreatedDate instanceof Date);
  });
  test('not found', async () => {
    await assert.rejects(client().getSecretValue({ SecretId: 'nope' }).promise(),
                         (e) => e.code === 'ResourceNotFoundException' && e.statusCode === 400);
  });
  test('access denied by policy', async () => {
    await assert.rejects(client(DENIED).getSecretValue({ SecretId: 'prod/momento' }).promise(),
                         (e) => e.code === 'AccessDeniedException' &&
                           DENIED_MESSAGE.test(e.message) && e.statusCode === 400);
  });
  test('bad signature', async () => {
    await assert.rejects(client(BAD).getSecretValue({ SecretId: 'prod/momento' }).promise(),
                         (e) => e.code === 'InvalidSignatureException');
  });
  test('throttling', async () => {
    await server.fault({ operation: 'GetSecretValue', error: 'ThrottlingException', count: 1 });
    await assert.rejects(client().getSecretValue({ SecretId: 'prod/momento' }).promise(),
                         (e) => e.code === 'ThrottlingException');
  });
  test('SSM getParameter and ParameterNotFound', async () => {
    const ssm = new AWS.SSM({ endpoint: server.endpoint, region: REGION, ...KEY, maxRetries: 0 });
    const out = await ssm.getParameter({ Name: '/app/table' }).promise();
    assert.equal(out.Parameter.Value, 'orders');
    await assert.rejects(ssm.getParameter({ Name: '/nope' }).promise(),
                         (e) => e.code === 'ParameterNotFound');
  });
});

// Runs Debian's awscli v2 (not an older `aws` earlier on PATH).
function awscli(args, creds = KEY) {
  const result = spawnSync('/usr/bin/aws', [...args, '--endpoint-url', server.endpoint,
                                            '--region', REGION, '--output', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, AWS_ACCESS_KEY_ID: creds.accessKeyId,
           AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true',
           AWS_MAX_ATTEMPTS: '1', AWS_CONFIG_FILE: '/dev/null',
           AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  return result;
}

describe('awscli v2 (/usr/bin/aws)', { skip: !existsSync('/usr/bin/aws') && 'no /usr/bin/aws' },
         () => {
  test('get-secret-value', () => {
    const r = awscli(['secretsmanager', 'get-secret-value', '--secret-id', 'prod/momento']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(JSON.parse(r.stdout).SecretString).MOMENTO_API_KEY, 'key-123');
  });
  test('not found', () => {
    const r = awscli(['secretsmanager', 'get-secret-value', '--secret-id', 'nope']);
    assert.equal(r.status, 254);
    assert.match(r.stderr, /\(ResourceNotFoundException\) when calling the GetSecretValue operation( \(reached max retries: 0\))?: Secrets Manager can't find the specified secret\./);
  });
  test('access denied by policy', () => {
    const r = awscli(['secretsmanager', 'get-secret-value', '--secret-id', 'prod/momento'],
                     DENIED);
    assert.equal(r.status, 254);
    const m = r.stderr.match(/\(AccessDeniedException\) when calling the GetSecretValue operation(?: \(reached max retries: 0\))?: (.*)/);
    assert.ok(m, r.stderr);
    assert.match(m[1].trim(), DENIED_MESSAGE);
  });
  test('bad signature', () => {
    const r = awscli(['secretsmanager', 'get-secret-value', '--secret-id', 'prod/momento'], BAD);
    assert.equal(r.status, 254);
    assert.match(r.stderr, /InvalidSignatureException/);
  });
  test('throttling', async () => {
    await server.fault({ operation: 'GetSecretValue', error: 'ThrottlingException', count: 1 });
    const r = awscli(['secretsmanager', 'get-secret-value', '--secret-id', 'prod/momento']);
    assert.equal(r.status, 254);
    assert.match(r.stderr, /ThrottlingException.*Rate exceeded/);
  });
  test('ssm put-parameter, get-parameter, get-parameters-by-path', () => {
    let r = awscli(['ssm', 'put-parameter', '--name', '/cli/p', '--value', 'v', '--type',
                    'SecureString']);
    assert.equal(r.status, 0, r.stderr);
    r = awscli(['ssm', 'get-parameter', '--name', '/cli/p', '--with-decryption']);
    assert.equal(JSON.parse(r.stdout).Parameter.Value, 'v');
    r = awscli(['ssm', 'get-parameters-by-path', '--path', '/cli']);
    assert.equal(JSON.parse(r.stdout).Parameters.length, 1);
    r = awscli(['ssm', 'get-parameter', '--name', '/nope']);
    assert.equal(r.status, 254);
    assert.match(r.stderr, /ParameterNotFound/);
  });
});

// boto3 from Debian's python3-boto3, which only /usr/bin/python3 sees.
function boto3(script, creds = KEY) {
  const program = `
import json, sys, boto3, botocore.config, botocore.exceptions
cfg = botocore.config.Config(retries={'total_max_attempts': 1, 'mode': 'standard'})
kw = dict(endpoint_url='${server.endpoint}', region_name='${REGION}',
          aws_access_key_id='${creds.accessKeyId}', aws_secret_access_key='${creds.secretAccessKey}',
          config=cfg)
sm = boto3.client('secretsmanager', **kw)
ssm = boto3.client('ssm', **kw)
def error(call):
    try:
        call()
        return None
    except botocore.exceptions.ClientError as e:
        return [e.response['Error']['Code'], e.response['Error'].get('Message', ''),
                e.response['ResponseMetadata']['HTTPStatusCode']]
${script}
`;
  const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const hasBoto3 = spawnSync('/usr/bin/python3', ['-c', 'import boto3']).status === 0;
describe('boto3 (Debian python3-boto3)', () => {
  test('installed for /usr/bin/python3', () => {
    assert.ok(hasBoto3, 'python3-boto3 is missing: scripts/install-deps.sh --test');
  });
  test('get_secret_value', { skip: !hasBoto3 }, () => {
    const out = boto3(`v = sm.get_secret_value(SecretId='prod/momento')
print(json.dumps([v['SecretString'], v['CreatedDate'].year > 2000]))`);
    assert.equal(JSON.parse(out[0]).MOMENTO_API_KEY, 'key-123');
    assert.equal(out[1], true);
  });
  test('not found', { skip: !hasBoto3 }, () => {
    const out = boto3(`print(json.dumps(error(lambda: sm.get_secret_value(SecretId='nope'))))`);
    assert.deepEqual(out, ['ResourceNotFoundException',
                           "Secrets Manager can't find the specified secret.", 400]);
  });
  test('access denied by policy', { skip: !hasBoto3 }, () => {
    const out = boto3(
      `print(json.dumps(error(lambda: sm.get_secret_value(SecretId='prod/momento'))))`, DENIED);
    assert.equal(out[0], 'AccessDeniedException');
    assert.match(out[1], DENIED_MESSAGE);
    assert.equal(out[2], 400);
  });
  test('bad signature', { skip: !hasBoto3 }, () => {
    const out = boto3(
      `print(json.dumps(error(lambda: sm.get_secret_value(SecretId='prod/momento'))))`, BAD);
    assert.equal(out[0], 'InvalidSignatureException');
  });
  test('throttling', { skip: !hasBoto3 }, async () => {
    await server.fault({ operation: 'GetSecretValue', error: 'ThrottlingException', count: 1 });
    const out = boto3(
      `print(json.dumps(error(lambda: sm.get_secret_value(SecretId='prod/momento'))))`);
    assert.deepEqual(out, ['ThrottlingException', 'Rate exceeded', 400]);
  });
  test('ssm get_parameter and ParameterNotFound', { skip: !hasBoto3 }, () => {
    const out = boto3(`print(json.dumps([ssm.get_parameter(Name='/app/table')['Parameter']['Value'],
                  error(lambda: ssm.get_parameter(Name='/nope'))]))`);
    assert.equal(out[0], 'orders');
    assert.equal(out[1][0], 'ParameterNotFound');
  });
});

describe('standalone /_thaw/faults (the same spec as thaw serve\'s, service "aws")', () => {
  const admin = async (method, route, body) => {
    const res = await fetch(`${server.endpoint}${route}`,
                            { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  test('POST, GET, DELETE by id; a bad spec names its field', async () => {
    const id = await server.fault({ service: 'aws', secret: 'prod/momento', delay: '50ms' });
    assert.match(id, /^aws-\d+$/);
    const listed = await admin('GET', '/_thaw/faults');
    assert.deepEqual(listed.body.faults.map((f) => [f.id, f.delay, f.fired]), [[id, '50ms', 0]]);
    const bad = await admin('POST', '/_thaw/faults', { error: 'ThrottlingException', sekret: 1 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^sekret: unknown field/);
    assert.equal((await admin('DELETE', `/_thaw/faults/${id}`)).status, 200);
    assert.equal((await admin('DELETE', `/_thaw/faults/${id}`)).status, 404);
    assert.deepEqual((await admin('GET', '/_thaw/faults')).body.faults, []);
  });
  test('stall: aws-sdk v2 with 1 s timeouts gives up; the fault is then removed', async () => {
    const id = await server.fault({ operation: 'GetSecretValue', stall: true, count: 1 });
    const client = new AWS.SecretsManager({
      endpoint: server.endpoint, region: REGION, ...KEY, maxRetries: 0,
      httpOptions: { connectTimeout: 1000, timeout: 1000 },
    });
    const start = Date.now();
    await assert.rejects(client.getSecretValue({ SecretId: 'prod/momento' }).promise(),
                         (e) => e.code === 'TimeoutError');
    assert.ok(Date.now() - start >= 900);
    // count 1: used up by the stalled request, so the next one is answered.
    assert.deepEqual((await admin('GET', '/_thaw/faults')).body.faults, []);
    const out = await client.getSecretValue({ SecretId: 'prod/momento' }).promise();
    assert.equal(JSON.parse(out.SecretString).MOMENTO_API_KEY, 'key-123');
    assert.ok(id);
  });
  test('rotate now: a new AWSCURRENT, the old one AWSPREVIOUS', async () => {
    const sm = new sm3.SecretsManagerClient(
      { endpoint: server.endpoint, region: REGION, credentials: KEY, maxAttempts: 1 });
    const before = await sm.send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' }));
    await server.fault({ secret: 'prod/momento', rotate: { at: 'now' } });
    const after = await sm.send(new sm3.GetSecretValueCommand({ SecretId: 'prod/momento' }));
    assert.notEqual(after.VersionId, before.VersionId);
    const previous = await sm.send(new sm3.GetSecretValueCommand(
      { SecretId: 'prod/momento', VersionStage: 'AWSPREVIOUS' }));
    assert.equal(previous.VersionId, before.VersionId);
  });
});

describe('ledger', () => {
  test('every request was recorded, signed ones with their access key', () => {
    const events = server.events();
    assert.ok(events.length > 20, `only ${events.length} aws.request events`);
    const gets = events.filter((e) => e.attrs.operation === 'GetSecretValue');
    assert.ok(gets.some((e) => e.attrs.outcome === 'InvalidSignatureException'));
    assert.ok(gets.some((e) => e.attrs.outcome === 'ThrottlingException'));
    for (const e of gets.filter((e) => e.attrs.outcome === 'ok')) {
      assert.equal(e.attrs.access_key_id, KEY.accessKeyId);
      assert.equal(e.instance, 0);
    }
  });
});
