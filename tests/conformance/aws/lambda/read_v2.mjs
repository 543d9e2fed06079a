// The usual Lambda code with the AWS SDK v2 (which ignores AWS_ENDPOINT_URL; the real name
// resolves to the fake in the sandbox): 1 s connect and request timeouts, no retries; reports
// the error code and how long the call took.
import AWS from 'aws-sdk';

const client = new AWS.SecretsManager({
  maxRetries: 0,
  httpOptions: { connectTimeout: 1000, timeout: 1000 },
});

export async function handler(event) {
  const start = Date.now();
  try {
    const out = await client.getSecretValue({ SecretId: event.secretId }).promise();
    return { value: out.SecretString, elapsed: Date.now() - start };
  } catch (e) {
    return { error: e.code, message: e.message, elapsed: Date.now() - start };
  }
}
