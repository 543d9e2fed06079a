// lambda/reader.js
var { SecretsManagerClient, GetSecretValueCommand } = require("@aws-sdk/client-secrets-manager");
var secrets = new SecretsManagerClient({});
var apiKey;
exports.handler = async () => {
  if (apiKey === void 0) {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN }));
    apiKey = out.SecretString;
  }
  return { format: "cjs", hasApiKey: apiKey !== void 0 };
};
