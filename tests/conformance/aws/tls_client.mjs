// One GetSecretValue over HTTPS from a JS AWS SDK in its own process (Node reads
// NODE_EXTRA_CA_CERTS at start): `node tls_client.mjs v3|v2 https://HOST:PORT SECRET_ID`.
// Prints `RESULT ` and JSON: {value} or {error, code}.
const [sdk, endpoint, secretId] = process.argv.slice(2);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let result;
try {
  if (sdk === 'v3') {
    const sm = await import('@aws-sdk/client-secrets-manager');
    const client = new sm.SecretsManagerClient(
      { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const out = await client.send(new sm.GetSecretValueCommand({ SecretId: secretId }));
    result = { value: out.SecretString };
  } else {
    const AWS = (await import('aws-sdk')).default;
    // The guide's Lambda code: 1 s connect and request timeouts.
    const client = new AWS.SecretsManager({
      endpoint, region: 'us-east-1', ...credentials, maxRetries: 0,
      httpOptions: { connectTimeout: 1000, timeout: 1000 },
    });
    const out = await client.getSecretValue({ SecretId: secretId }).promise();
    result = { value: out.SecretString };
  }
} catch (error) {
  result = { error: String(error.message), code: error.code ?? error.name };
}
console.log('RESULT ' + JSON.stringify(result));
