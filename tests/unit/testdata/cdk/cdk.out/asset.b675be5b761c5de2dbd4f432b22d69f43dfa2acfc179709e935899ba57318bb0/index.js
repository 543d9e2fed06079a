// The simple-get handler: reads the Momento API key from Secrets Manager once per instance.
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const secrets = new SecretsManagerClient({});
let apiKey;

exports.handler = async (event) => {
  if (apiKey === undefined) {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.MOMENTO_API_KEY_SECRET_NAME }));
    apiKey = out.SecretString;
  }
  return { statusCode: 200, body: JSON.stringify({ key: event.key ?? null, hasApiKey: apiKey !== undefined }) };
};
