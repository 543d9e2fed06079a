// The secret-fetching patterns thaw exists to tell apart, as a nodejs20.x function on thaw's
// Node.js runtime, with the real AWS SDK v3. The SDK finds the region and the instance's own
// credentials in the environment, as in Lambda, and the real endpoint name resolves to the fake
// in the sandbox: no code change.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

// Right: fetched once per execution environment, at module scope.
const cached = (async () => {
  const out = await client.send(new GetSecretValueCommand({ SecretId: 'momento/api-key' }));
  return JSON.parse(out.SecretString);
})();

export async function once() {
  const secret = await cached;
  return { key: secret.MOMENTO_API_KEY };
}
