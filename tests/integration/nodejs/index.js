// CommonJS handlers for thaw's Node.js runtime tests.
let invocations = 0;  // module scope: survives across events of one instance
exports.handler = async (event, context) => {
  invocations += 1;
  console.log('hello from', context.functionName);
  return {
    event,
    invocations,
    pid: process.pid,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(),
    clientContext: context.clientContext ?? null,
    traceId: process.env._X_AMZN_TRACE_ID,
    executionEnv: process.env.AWS_EXECUTION_ENV,
  };
};
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', event }), 5);
};
exports.callbackError = (event, context, callback) => callback(new TypeError('bad input'));
exports.thrower = async () => {
  throw new RangeError('out of range');
};
exports.nested = { deep: { handler: async () => 'nested' } };
