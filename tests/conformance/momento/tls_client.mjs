// A Momento client in its own process (Node reads NODE_EXTRA_CA_CERTS at start, grpc-js reads
// GRPC_DEFAULT_SSL_ROOTS_FILE_PATH when it loads): the SDK with a v1 key and TLS
// (secureConnection: true) to localhost:THAW_TEST_PORT, trusting whatever its environment says.
// Prints one line, `RESULT ` and JSON: {set, get, value} or {error, code} (the SDK logs on
// stdout too).
import { CacheClient, Configurations, CredentialProvider, CacheGet, CacheSet } from '@gomomento/sdk';

const endpoint = `localhost:${process.env.THAW_TEST_PORT}`;
const apiKey = Buffer.from(JSON.stringify({ endpoint: 'localhost', api_key: 'k' })).toString('base64');
let client;
try {
  client = await CacheClient.create({
    configuration: Configurations.Lambda.latest().withClientTimeoutMillis(3000),
    credentialProvider: CredentialProvider.fromString({
      apiKey,
      endpointOverrides: {
        cacheEndpoint: endpoint, controlEndpoint: endpoint, tokenEndpoint: endpoint,
        secureConnection: true,
      },
    }),
    defaultTtlSeconds: 60,
  });
} catch (error) {
  // Configurations.Lambda connects at construction and throws when it cannot.
  console.log('RESULT ' + JSON.stringify({ error: String(error.message ?? error), code: 'CONNECT' }));
  process.exit(0);
}
const set = await client.set('c', 'k', 'over tls');
const get = await client.get('c', 'k');
if (set instanceof CacheSet.Error) {
  console.log('RESULT ' + JSON.stringify({ error: set.message(), code: set.errorCode() }));
} else {
  console.log('RESULT ' + JSON.stringify({
    set: set.constructor.name,
    get: get.constructor.name,
    value: get instanceof CacheGet.Hit ? get.valueString() : null,
  }));
}
client.close();
