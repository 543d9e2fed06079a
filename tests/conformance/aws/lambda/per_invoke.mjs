// The mistake: the secret fetched on every event (a new round trip and a Secrets Manager call
// per request).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function handler() {
  const out = await client.send(new GetSecretValueCommand({ SecretId: 'momento/api-key' }));
  return { key: JSON.parse(out.SecretString).MOMENTO_API_KEY };
}
