// A plain Lambda handler, as written for AWS: nothing thaw-specific.
exports.handler = async (event, context) => ({
  runtime: 'nodejs',
  functionName: context.functionName,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  greeting: process.env.GREETING,
  stage: process.env.STAGE,
  executionEnv: process.env.AWS_EXECUTION_ENV,
  pid: process.pid,
  event,
});
