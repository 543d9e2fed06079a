// lambda/reader.mjs
import { SecretsManagerClient, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
var secrets = new SecretsManagerClient({});
var apiKey;
var handler = async () => {
  apiKey ??= (await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN }))).SecretString;
  return { format: "esm", hasApiKey: apiKey !== void 0 };
};
export {
  handler
};
