// Reads the secret once per execution environment. The SDK is not bundled: Lambda's Node.js
// runtimes include it.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const client = new SecretsManagerClient({});
let secret;

export const handler = async () => {
  if (secret === undefined) {
    const out = await client.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ID }));
    secret = out.SecretString;
  }
  return { keyLength: secret.length };
};
