// A client Lambda's runtime includes and thaw's copy of the SDK does not.
import { KinesisClient } from '@aws-sdk/client-kinesis';

export const handler = async () => ({ client: new KinesisClient({}).constructor.name });
