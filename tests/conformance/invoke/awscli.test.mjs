// Debian's awscli v2 (/usr/bin/aws, 2.9.x, unmodified) against `thaw serve`. The `aws` on PATH
// may be a pyenv awscli v1, so the v2 binary is named explicitly. awscli 2.9 ignores
// AWS_ENDPOINT_URL*, so --endpoint-url is the way to point it at thaw.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { arnOf, startThaw } from './serve.mjs';

const AWS = '/usr/bin/aws';
const TIMEOUT = { timeout: 60000 };

// Only what the CLI needs, none of the caller's AWS_* settings (profiles, endpoints, regions).
function cliEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fakesecret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
}

// Runs /usr/bin/aws with args; resolves {code, stdout, stderr} whatever the exit code.
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(AWS, args, { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const show = (r) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

describe('awscli v2 `aws lambda invoke` against thaw serve', () => {
  let thaw;
  let dir;
  let n = 0;
  const outfile = () => join(dir, `out-${++n}.json`);

  // `aws lambda invoke` with the flags every call here uses, then `extra`, then the outfile.
  async function invoke(extra, { expectCode = 0 } = {}) {
    const out = outfile();
    const r = await run(['lambda', 'invoke', '--endpoint-url', thaw.endpoint,
                         '--region', 'us-east-1', '--cli-binary-format', 'raw-in-base64-out',
                         '--output', 'json', ...extra, out]);
    assert.equal(r.code, expectCode, show(r));
    const file = existsSync(out) ? readFileSync(out, 'utf8') : null;
    return { ...r, json: expectCode === 0 ? JSON.parse(r.stdout) : null, file };
  }

  before(async () => {
    assert.ok(existsSync(AWS), `${AWS} is missing: install Debian's awscli ` +
                                '(scripts/install-deps.sh --test)');
    const version = await run(['--version']);
    assert.equal(version.code, 0, show(version));
    assert.match(version.stdout + version.stderr, /^aws-cli\/2\./,
                 `${AWS} should be awscli v2: ${version.stdout}${version.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'thaw-awscli-'));
    thaw = await startThaw();
  });

  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (thaw) {
      const exit = await thaw.stop();
      thaw.dumpOutput();
      assert.deepEqual(exit, { code: 0, signal: null }, 'thaw should exit cleanly on SIGTERM');
    }
  });

  test('success: the answer in the outfile, StatusCode 200 and $LATEST on stdout', TIMEOUT,
       async () => {
         const r = await invoke(['--function-name', 'echo',
                                 '--payload', '{"hello": "awscli", "n": [1, 2]}']);
         assert.deepEqual(r.json, { StatusCode: 200, ExecutedVersion: '$LATEST' });
         assert.deepEqual(JSON.parse(r.file), { hello: 'awscli', n: [1, 2] });
       });

  test('a handler error: FunctionError Unhandled, the error body in the outfile', TIMEOUT,
       async () => {
         const r = await invoke(['--function-name', 'failing', '--payload', '{}']);
         assert.deepEqual(r.json,
                          { StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
         const body = JSON.parse(r.file);
         assert.equal(body.errorType, 'TestError');
         assert.equal(body.errorMessage, 'failed on purpose');
       });

  test('--log-type Tail: LogResult decodes to START/END/REPORT', TIMEOUT, async () => {
    const r = await invoke(['--function-name', 'printer', '--payload', '{"lines": 1}',
                            '--log-type', 'Tail']);
    assert.equal(r.json.StatusCode, 200);
    assert.equal(typeof r.json.LogResult, 'string', r.stdout);
    const log = Buffer.from(r.json.LogResult, 'base64').toString('utf8');
    const start = /^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/m.exec(log);
    assert.ok(start, log);
    const id = start[1];
    assert.ok(log.includes('stdout line 0'), log);
    assert.ok(log.includes(`\nEND RequestId: ${id}\n`), log);
    assert.match(log, new RegExp(`\\nREPORT RequestId: ${id}\\tDuration: `));
    assert.deepEqual(JSON.parse(r.file), { lines: 1 });
  });

  test('--invocation-type Event: StatusCode 202, empty outfile', TIMEOUT, async () => {
    const r = await invoke(['--function-name', 'echo', '--payload', '{"async": true}',
                            '--invocation-type', 'Event']);
    assert.deepEqual(r.json, { StatusCode: 202 });
    assert.equal(r.file, '');
  });

  test('--invocation-type DryRun: StatusCode 204', TIMEOUT, async () => {
    const r = await invoke(['--function-name', 'echo', '--payload', '{}',
                            '--invocation-type', 'DryRun']);
    assert.deepEqual(r.json, { StatusCode: 204 });
  });

  test('an unknown function: exit 254, ResourceNotFoundException on stderr', TIMEOUT,
       async () => {
         const r = await invoke(['--function-name', 'no-such-function', '--payload', '{}'],
                                { expectCode: 254 });
         assert.match(r.stderr, /An error occurred \(ResourceNotFoundException\) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function/);
         assert.equal(r.stdout, '');
       });

  test('a payload that is not JSON: InvalidRequestContentException', TIMEOUT, async () => {
    const r = await invoke(['--function-name', 'echo', '--payload', '{"not json'],
                           { expectCode: 254 });
    assert.match(r.stderr, /\(InvalidRequestContentException\) when calling the Invoke operation/);
  });

  test('a full ARN (percent-encoded in the path) with --qualifier $LATEST', TIMEOUT,
       async () => {
         const r = await invoke(['--function-name', arnOf('echo'), '--qualifier', '$LATEST',
                                 '--invocation-type', 'RequestResponse',
                                 '--payload', '{"by": "arn"}']);
         assert.deepEqual(r.json, { StatusCode: 200, ExecutedVersion: '$LATEST' });
         assert.deepEqual(JSON.parse(r.file), { by: 'arn' });
       });

  test('--client-context reaches the function', TIMEOUT, async () => {
    const context = { custom: { from: 'awscli' } };
    const r = await invoke(['--function-name', 'ctx', '--payload', '{}',
                            '--client-context',
                            Buffer.from(JSON.stringify(context)).toString('base64')]);
    assert.equal(r.json.StatusCode, 200);
    assert.deepEqual(JSON.parse(JSON.parse(r.file).client_context), context);
  });
});
