// The handler from the Momento + AWS Lambda guide, as a user copies it: aws-sdk v2 for Secrets
// Manager, @gomomento/sdk with CredentialProvider.fromString, both at module scope. Not one line
// here knows about thaw: under thaw the real endpoint names resolve, inside the instance's
// sandbox, to the fakes, over TLS, and the key in the secret names a Momento endpoint that does
// too.
const AWS = require('aws-sdk');
const {
  CacheClient,
  Configurations,
  CredentialProvider,
  CacheGet,
  CacheSet,
} = require('@gomomento/sdk');

const secretsManager = new AWS.SecretsManager({
  httpOptions: { connectTimeout: 1000, timeout: 1000 },
});

const CACHE_NAME = process.env.CACHE_NAME || 'cache';
const SECRET_NAME = process.env.MOMENTO_API_KEY_SECRET_NAME || 'momento/api-key';

let momentoClient = null;

async function getMomentoApiKey() {
  const secret = await secretsManager.getSecretValue({ SecretId: SECRET_NAME }).promise();
  return JSON.parse(secret.SecretString).MOMENTO_API_KEY;
}

async function getMomentoClient() {
  if (momentoClient === null) {
    const apiKey = await getMomentoApiKey();
    momentoClient = await CacheClient.create({
      configuration: Configurations.Lambda.latest(),
      credentialProvider: CredentialProvider.fromString({ apiKey }),
      defaultTtlSeconds: 60,
    });
  }
  return momentoClient;
}

exports.handler = async (event) => {
  const client = await getMomentoClient();
  const key = String(event.key || 'greeting');
  const hit = await client.get(CACHE_NAME, key);
  if (hit instanceof CacheGet.Hit) {
    return { statusCode: 200, body: JSON.stringify({ key, value: hit.valueString(), cached: true }) };
  }
  if (hit instanceof CacheGet.Error) throw hit.innerException();
  const stored = await client.set(CACHE_NAME, key, 'hello from momento');
  if (stored instanceof CacheSet.Error) throw stored.innerException();
  return { statusCode: 200, body: JSON.stringify({ key, value: 'hello from momento', cached: false }) };
};
