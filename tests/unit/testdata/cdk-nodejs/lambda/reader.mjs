// An ES module handler, as a CDK NodejsFunction bundles it: @aws-sdk/* is left out of the bundle
// for the runtime's copy. The secret is read once per execution environment.
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

const secrets = new SecretsManagerClient({});
let apiKey;

export const handler = async () => {
  apiKey ??= (await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN })))
    .SecretString;
  return { format: 'esm', hasApiKey: apiKey !== undefined };
};
