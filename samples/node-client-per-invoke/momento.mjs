// THE MISTAKE this sample exists to show: getMomentoClient() builds a new CacheClient on every
// call, so every invoke opens a new Momento connection (in AWS: a TLS handshake and an auth
// round trip on the request path), and the old clients stay open in the frozen environment.
// The API key is still fetched once per instance (that part is right).
// Compare with samples/node-momento/momento.mjs, which keeps one client per instance.
import { CacheClient, Configurations, CredentialProvider } from '@gomomento/sdk';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SECRET_ID = process.env.MOMENTO_SECRET_ID ?? 'momento/api-key';

const secrets = new SecretsManagerClient({});

let apiKey; // a Promise<string>, set on first use

async function fetchApiKey() {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ID }));
  return JSON.parse(out.SecretString).MOMENTO_API_KEY;
}

export async function getMomentoClient() {
  apiKey ??= fetchApiKey();
  return new CacheClient({ // <- a new client (and connection) per invoke
    configuration: Configurations.Lambda.latest(),
    credentialProvider: CredentialProvider.fromString({ apiKey: await apiKey }),
    defaultTtlSeconds: 300,
  });
}
