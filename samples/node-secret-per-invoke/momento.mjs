// THE MISTAKE this sample exists to show: getMomentoClient() fetches the API key from Secrets
// Manager on every call ("to pick up a rotation"), so every invoke pays a Secrets Manager
// round trip (and its price, and its throttling limit). The client itself is kept per instance
// (that part is right). Compare with samples/node-momento/momento.mjs, which fetches the key
// once per instance.
import { CacheClient, Configurations, CredentialProvider } from '@gomomento/sdk';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SECRET_ID = process.env.MOMENTO_SECRET_ID ?? 'momento/api-key';

const secrets = new SecretsManagerClient({});

let client;
let clientKey;

async function fetchApiKey() {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ID }));
  return JSON.parse(out.SecretString).MOMENTO_API_KEY;
}

export async function getMomentoClient() {
  const key = await fetchApiKey(); // <- a Secrets Manager call per invoke
  if (!client || key !== clientKey) {
    client = new CacheClient({
      configuration: Configurations.Lambda.latest(),
      credentialProvider: CredentialProvider.fromString({ apiKey: key }),
      defaultTtlSeconds: 300,
    });
    clientKey = key;
  }
  return client;
}
