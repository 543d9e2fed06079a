// Reads the secret named in the event with the AWS SDK v3 (default retries), and reports what
// happened instead of throwing, so a test sees the SDK's own error name, message and attempts.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});

export async function handler(event) {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: event.secretId }));
    return { value: out.SecretString, version: out.VersionId, attempts: out.$metadata.attempts };
  } catch (e) {
    return { error: e.name, message: e.message, attempts: e.$metadata?.attempts };
  }
}
