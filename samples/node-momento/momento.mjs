// One Momento client per execution environment, built from an API key fetched once from
// Secrets Manager. Both live at module scope, so every warm invoke of this instance reuses
// them: one secret fetch and one Momento connection per instance, however many invokes.
import { CacheClient, Configurations, CredentialProvider } from '@gomomento/sdk';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SECRET_ID = process.env.MOMENTO_SECRET_ID ?? 'momento/api-key';

// The SDK reads the region, credentials and endpoint from the environment, as in Lambda.
const secrets = new SecretsManagerClient({});

let client; // a Promise<CacheClient>, set on first use

async function fetchApiKey() {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ID }));
  return JSON.parse(out.SecretString).MOMENTO_API_KEY;
}

export function getMomentoClient() {
  client ??= fetchApiKey()
    .then((apiKey) => new CacheClient({
      configuration: Configurations.Lambda.latest(),
      credentialProvider: CredentialProvider.fromString({ apiKey }),
      defaultTtlSeconds: 300,
    }))
    .catch((err) => {
      client = undefined; // let the next invoke try again
      throw err;
    });
  return client;
}
