// The AWS SDK for JavaScript v3 (@aws-sdk/client-lambda, unmodified) against `thaw serve`:
// every Invoke feature a user's code relies on, checked the way the SDK reports it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ACCOUNT, arnOf, requireModule, startThaw } from './serve.mjs';

const { InvokeCommand, LambdaClient } = await requireModule('@aws-sdk/client-lambda');

const CREDENTIALS = { accessKeyId: 'AKIAFAKEFAKEFAKE', secretAccessKey: 'fakesecret' };
const TIMEOUT = { timeout: 30000 };

const encode = (value) => new TextEncoder().encode(JSON.stringify(value));
const decode = (bytes) => new TextDecoder().decode(bytes);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Rejects with the SDK's error, for assertions on its name, fields and $metadata.
async function sdkError(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the SDK call succeeded; an error was expected');
}

describe('@aws-sdk/client-lambda InvokeCommand against thaw serve', () => {
  let thaw;
  let lambda;

  before(async () => {
    thaw = await startThaw();
    lambda = new LambdaClient({
      endpoint: thaw.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,  // a retry must not hide a wrong first answer
    });
  });

  after(async () => {
    lambda?.destroy();
    if (thaw) {
      const exit = await thaw.stop();
      thaw.dumpOutput();
      assert.deepEqual(exit, { code: 0, signal: null }, 'thaw should exit cleanly on SIGTERM');
    }
  });

  test('a payload makes the round trip: 200, $LATEST, the same JSON back', TIMEOUT, async () => {
    const event = { hello: 'thaw', n: 42, nested: { list: [1, 'two', null] }, unicode: 'é✓' };
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      Payload: encode(event),
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.LogResult, undefined);
    assert.ok(out.Payload instanceof Uint8Array, 'Payload is a Uint8Array');
    assert.deepEqual(JSON.parse(decode(out.Payload)), event);
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId, UUID);
  });

  test('no payload at all reaches the function as {}', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }));
    assert.equal(out.StatusCode, 200);
    assert.deepEqual(JSON.parse(decode(out.Payload)), {});
  });

  test('InvocationType RequestResponse, explicitly', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      InvocationType: 'RequestResponse',
      Payload: encode([1, 2, 3]),
    }));
    assert.equal(out.StatusCode, 200);
    assert.deepEqual(JSON.parse(decode(out.Payload)), [1, 2, 3]);
  });

  test('a handler error: 200 with FunctionError Unhandled and the error body', TIMEOUT,
       async () => {
         const out = await lambda.send(new InvokeCommand({
           FunctionName: 'failing',
           Payload: encode({}),
         }));
         assert.equal(out.StatusCode, 200);
         assert.equal(out.FunctionError, 'Unhandled');
         assert.equal(out.ExecutedVersion, '$LATEST');
         const body = JSON.parse(decode(out.Payload));
         assert.equal(body.errorType, 'TestError');
         assert.equal(body.errorMessage, 'failed on purpose');
       });

  test('a crash mid-invoke: Runtime.ExitError with the exit status', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'crasher',
      Payload: encode({}),
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    const body = JSON.parse(decode(out.Payload));
    assert.equal(body.errorType, 'Runtime.ExitError');
    // AWS: "RequestId: <id> Error: Runtime exited with error: exit status 42".
    assert.match(body.errorMessage,
                 /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: /);
    assert.equal(body.errorMessage.slice(body.errorMessage.indexOf(' Error: ')),
                 ' Error: Runtime exited with error: exit status 42');

    // The next invoke gets a fresh instance and works the same way.
    const again = await lambda.send(new InvokeCommand({ FunctionName: 'crasher' }));
    assert.equal(again.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(decode(again.Payload)).errorType, 'Runtime.ExitError');
  });

  test('LogType Tail: LogResult is base64 of the START/END/REPORT lines', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'printer',
      LogType: 'Tail',
      Payload: encode({ lines: 2 }),
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(typeof out.LogResult, 'string');
    assert.match(out.LogResult, /^[A-Za-z0-9+/]+={0,2}$/);
    const log = Buffer.from(out.LogResult, 'base64').toString('utf8');
    const id = out.$metadata.requestId;
    assert.match(id, UUID);
    assert.ok(log.includes(`START RequestId: ${id} Version: $LATEST\n`), log);
    assert.ok(log.includes(`END RequestId: ${id}\n`), log);
    assert.match(log, new RegExp(`REPORT RequestId: ${id}\\tDuration: [0-9.]+ ms\\t` +
                                 'Billed Duration: \\d+ ms\\tMemory Size: 128 MB\\t' +
                                 'Max Memory Used: \\d+ MB\\t'));
    assert.ok(log.includes('stdout line 1'), log);
    assert.ok(log.indexOf('START') < log.indexOf('stdout line 0'), log);
    assert.ok(log.indexOf('stdout line 1') < log.indexOf('END'), log);
    assert.ok(log.indexOf('END') < log.indexOf('REPORT'), log);
    assert.deepEqual(JSON.parse(decode(out.Payload)), { lines: 2 });
  });

  test('InvocationType Event: 202 with an empty payload', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      InvocationType: 'Event',
      Payload: encode({ async: true }),
    }));
    assert.equal(out.StatusCode, 202);
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.Payload?.length ?? 0, 0);
    assert.match(out.$metadata.requestId, UUID);
  });

  test('InvocationType DryRun: 204', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      InvocationType: 'DryRun',
      Payload: encode({}),
    }));
    assert.equal(out.StatusCode, 204);
    assert.equal(out.Payload?.length ?? 0, 0);
  });

  test('an unknown function: ResourceNotFoundException, 404', TIMEOUT, async () => {
    const e = await sdkError(lambda.send(new InvokeCommand({
      FunctionName: 'no-such-function',
      Payload: encode({}),
    })));
    assert.equal(e.name, 'ResourceNotFoundException', String(e));
    assert.equal(e.$metadata.httpStatusCode, 404);
    assert.equal(e.$fault, 'client');
    assert.equal(e.Type, 'User');
    assert.equal(e.message,
                 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function');
    assert.match(e.$metadata.requestId, UUID);
  });

  test('a payload that is not JSON: InvalidRequestContentException, 400', TIMEOUT, async () => {
    const e = await sdkError(lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      Payload: new TextEncoder().encode('{"not json'),
    })));
    assert.equal(e.name, 'InvalidRequestContentException', String(e));
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.match(e.message, /^Could not parse request body into json/);
  });

  test('a payload over 6 MB: RequestEntityTooLargeException, 413', TIMEOUT, async () => {
    const big = JSON.stringify({ data: 'x'.repeat(6 * 1024 * 1024 + 100) });
    const e = await sdkError(lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      Payload: new TextEncoder().encode(big),
    })));
    assert.equal(e.name, 'RequestEntityTooLargeException', String(e));
    assert.equal(e.$metadata.httpStatusCode, 413);
    assert.match(e.message, /Request must be smaller than 6291456 bytes/);

    // The server is still fine afterwards.
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: encode(1) }));
    assert.equal(decode(out.Payload), '1');
  });

  test('a response near the 6 MB limit comes back whole', TIMEOUT, async () => {
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'echo',
      Payload: encode({ data: 'y'.repeat(5 * 1024 * 1024) }),
    }));
    assert.equal(out.StatusCode, 200);
    assert.equal(JSON.parse(decode(out.Payload)).data.length, 5 * 1024 * 1024);
  });

  test('the full ARN as FunctionName, with and without Qualifier $LATEST', TIMEOUT, async () => {
    for (const input of [
      { FunctionName: arnOf('echo') },
      { FunctionName: arnOf('echo'), Qualifier: '$LATEST' },
      { FunctionName: `${arnOf('echo')}:$LATEST` },
      { FunctionName: 'echo', Qualifier: '$LATEST' },
      { FunctionName: `${ACCOUNT}:function:echo` },
    ]) {
      const out = await lambda.send(new InvokeCommand({ ...input, Payload: encode(input) }));
      assert.equal(out.StatusCode, 200, JSON.stringify(input));
      assert.equal(out.ExecutedVersion, '$LATEST');
      assert.deepEqual(JSON.parse(decode(out.Payload)), input);
    }
  });

  test('an ARN of another account or an unknown qualifier: 404', TIMEOUT, async () => {
    for (const input of [
      { FunctionName: 'arn:aws:lambda:us-east-1:999999999999:function:echo' },
      { FunctionName: 'echo', Qualifier: 'prod' },
    ]) {
      const e = await sdkError(lambda.send(new InvokeCommand(input)));
      assert.equal(e.name, 'ResourceNotFoundException', JSON.stringify(input));
      assert.equal(e.$metadata.httpStatusCode, 404);
    }
  });

  test('ClientContext (base64 JSON) reaches the function', TIMEOUT, async () => {
    const clientContext = {
      client: { installation_id: 'inst-1', app_title: 'conformance' },
      custom: { answer: '42' },
      env: { platform: 'node' },
    };
    const out = await lambda.send(new InvokeCommand({
      FunctionName: 'ctx',
      ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'),
      Payload: encode({}),
    }));
    assert.equal(out.StatusCode, 200);
    const seen = JSON.parse(decode(out.Payload));
    assert.deepEqual(JSON.parse(seen.client_context), clientContext);
    assert.equal(seen.request_id, out.$metadata.requestId);
    assert.equal(seen.function_arn, arnOf('ctx'));
    assert.ok(seen.remaining_ms > 0 && seen.remaining_ms <= 5000, String(seen.remaining_ms));
  });

  test('AWS_ENDPOINT_URL_LAMBDA alone points the SDK at thaw', TIMEOUT, async () => {
    const saved = process.env.AWS_ENDPOINT_URL_LAMBDA;
    process.env.AWS_ENDPOINT_URL_LAMBDA = thaw.endpoint;
    let client;
    try {
      client = new LambdaClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
      const out = await client.send(new InvokeCommand({
        FunctionName: 'echo',
        Payload: encode({ via: 'AWS_ENDPOINT_URL_LAMBDA' }),
      }));
      assert.equal(out.StatusCode, 200);
      assert.deepEqual(JSON.parse(decode(out.Payload)), { via: 'AWS_ENDPOINT_URL_LAMBDA' });
    } finally {
      client?.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_LAMBDA;
      else process.env.AWS_ENDPOINT_URL_LAMBDA = saved;
    }
  });

  test('concurrent invokes all answer, each with its own request id', TIMEOUT, async () => {
    const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => lambda.send(
        new InvokeCommand({ FunctionName: 'sleeper', Payload: encode({ ms: 50 + i }) }))));
    const ids = new Set();
    outs.forEach((out, i) => {
      assert.equal(out.StatusCode, 200);
      assert.deepEqual(JSON.parse(decode(out.Payload)), { slept_ms: 50 + i });
      ids.add(out.$metadata.requestId);
    });
    assert.equal(ids.size, 8);
  });
});
