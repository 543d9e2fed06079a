// A CommonJS handler, as a CDK NodejsFunction bundles it: @aws-sdk/* is left out of the bundle
// for the runtime's copy. The secret is read once per execution environment.
const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');

const secrets = new SecretsManagerClient({});
let apiKey;

exports.handler = async () => {
  if (apiKey === undefined) {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN }));
    apiKey = out.SecretString;
  }
  return { format: 'cjs', hasApiKey: apiKey !== undefined };
};
