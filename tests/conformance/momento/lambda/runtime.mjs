// The Momento client patterns thaw exists to tell apart, as one Lambda function.
// _HANDLER=module-scope: one CacheClient per execution environment, created at init (right).
// _HANDLER=per-invoke:   a new CacheClient for every event, closed after it (the mistake).
// _HANDLER=endpoint:     no client; answers with this instance's Momento endpoint, so a test
//                        can point its own SDK client at the instance's listener; with
//                        {"secretId": ...} also with that secret's SecretString, read through
//                        the Parameters and Secrets extension (the function must have it).
// The client is made as users make it, from MOMENTO_API_KEY and MOMENTO_ENDPOINT
// (`{{momento_api_key_v2}}` and `{{momento_endpoint}}`, minted per instance), and reaches the
// fake at Momento's real names over TLS inside the instance's sandbox. Only the `endpoint`
// probe, which makes no client, reads thaw's THAW_MOMENTO_HOST/PORT (isolation: process), to
// tell the test where the instance's listener is.
import { CacheClient, Configurations, CredentialProvider } from '@gomomento/sdk';

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
const mode = process.env._HANDLER;
const CACHE = 'thaw-test';

function makeClient() {
  return new CacheClient({
    configuration: Configurations.Lambda.latest(),
    credentialProvider: CredentialProvider.fromEnvVarV2(),
    defaultTtlSeconds: 60,
  });
}

const shared = mode === 'module-scope' ? makeClient() : null;
if (shared) await shared.createCache(CACHE);

// A secret's SecretString from the Parameters and Secrets extension's local endpoint.
async function readSecret(secretId) {
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
  const res = await fetch(
    `http://127.0.0.1:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
    { headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN } });
  if (!res.ok) throw new Error(`secret ${secretId}: ${res.status} ${await res.text()}`);
  return (await res.json()).SecretString;
}

async function handle(event) {
  if (mode === 'endpoint') {
    const answer = { host: process.env.THAW_MOMENTO_HOST,
                     port: Number(process.env.THAW_MOMENTO_PORT), pid: process.pid };
    if (event.secretId !== undefined) answer.secret = await readSecret(event.secretId);
    return answer;
  }
  const client = shared ?? makeClient();
  if (!shared) await client.createCache(CACHE);
  await client.set(CACHE, event.key ?? 'k', event.value ?? 'v');
  const got = await client.get(CACHE, event.key ?? 'k');
  if (!shared) client.close();
  return { value: got.value() ?? null, pid: process.pid };
}

for (;;) {
  const next = await fetch(`${api}/invocation/next`);
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const event = await next.json();
  try {
    const result = await handle(event);
    await fetch(`${api}/invocation/${id}/response`, { method: 'POST', body: JSON.stringify(result) });
  } catch (err) {
    await fetch(`${api}/invocation/${id}/error`, {
      method: 'POST',
      headers: { 'Lambda-Runtime-Function-Error-Type': 'Function.Error' },
      body: JSON.stringify({ errorType: err.name, errorMessage: err.message }),
    });
  }
}
