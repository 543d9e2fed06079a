// The AWS SDK v3 required as Lambda's Node.js runtimes allow: not bundled.
const { STSClient } = require('@aws-sdk/client-sts');

exports.handler = async () => ({ client: new STSClient({}).constructor.name });
