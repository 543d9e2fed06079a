// Reads the secret once per execution environment. The SDK is not bundled: Lambda's Node.js
// runtimes include it.
const { GetSecretValueCommand, SecretsManagerClient } = require('@aws-sdk/client-secrets-manager');

const client = new SecretsManagerClient({});
let secret;

exports.handler = async () => {
  if (secret === undefined) {
    const out = await client.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ID }));
    secret = out.SecretString;
  }
  return { keyLength: secret.length };
};
