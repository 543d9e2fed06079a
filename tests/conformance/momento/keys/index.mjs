// Momento credentials the way users write them, with no endpoint override: a v2 key from the
// environment (fromEnvVarV2: MOMENTO_API_KEY + MOMENTO_ENDPOINT) or a v1 key (fromEnvironmentVariable).
// Under thaw each resolves to the fake Momento inside the instance's sandbox, over TLS.
import { CacheClient, CacheGet, CacheSet, Configurations, CredentialProvider } from '@gomomento/sdk';

const provider = process.env.MOMENTO_ENDPOINT
  ? CredentialProvider.fromEnvVarV2()
  : CredentialProvider.fromEnvironmentVariable('MOMENTO_API_KEY');

const client = new CacheClient({
  configuration: Configurations.Lambda.latest(),
  credentialProvider: provider,
  defaultTtlSeconds: 60,
});

export async function handler(event) {
  const set = await client.set('keys', 'k', String(event.value ?? 'v'));
  if (set instanceof CacheSet.Error) throw set.innerException();
  const got = await client.get('keys', 'k');
  if (!(got instanceof CacheGet.Hit)) throw new Error(`expected a hit, got ${got.toString()}`);
  return { value: got.valueString(), endpoint: provider.getCacheEndpoint() };
}
