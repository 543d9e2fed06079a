// The AWS SDK v3 imported as Lambda's Node.js runtimes allow: not bundled.
import { STSClient } from '@aws-sdk/client-sts';

export const handler = async () => ({ client: new STSClient({}).constructor.name });
