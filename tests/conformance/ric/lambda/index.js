// The same handlers, run once through thaw's Node.js bootstrap and once through the official
// aws-lambda-ric (tests/conformance/ric/ric.test.mjs compares the answers and the logs).
exports.asyncOk = async (event, context) => ({ echo: event, requestId: context.awsRequestId });

exports.undefinedResult = async () => undefined;

exports.context = async (event, context) => ({
  requestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remainingPositive: context.getRemainingTimeInMillis() > 0,
  remainingAtMost: context.getRemainingTimeInMillis() <= 10000,
  clientContext: context.clientContext ?? null,
  identity: context.identity ?? null,
  traceId: process.env._X_AMZN_TRACE_ID ?? null,
  // Which client runs this (checked, then left out of the comparison).
  client: process.argv[1],
});

exports.thrower = async () => {
  throw new RangeError('out of range');
};

exports.throwString = async () => {
  throw 'plain string';  // eslint-disable-line no-throw-literal
};

class CustomError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CustomError';
    this.code = 'E_CUSTOM';
  }
}
exports.customError = async () => {
  throw new CustomError('with a code');
};

exports.logs = async () => {
  console.log('log line', { a: 1 });
  console.info('info line %d', 42);
  console.warn('warn line');
  console.error('error line', new Error('logged error'));
  console.debug('debug line');
  console.log('first\nsecond');
  return 'logged';
};

// Not async, no callback parameter: what happens to a plain return value differs between the
// runtime generations (see README, Node.js runtime client).
exports.syncReturn = (event) => ({ sync: true });

// Callback handlers.
exports.callbackOk = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', echo: event }), 5);
};
exports.callbackError = (event, context, callback) => callback(new TypeError('bad input'));

// Work that fails after the handler: an exception nothing catches, a rejection nothing handles,
// a promise that never settles.
exports.timerThrows = async () => {
  setTimeout(() => { throw new SyntaxError('late boom'); }, 10);
  return new Promise(() => {});
};
exports.rejectsUnhandled = async () => {
  Promise.reject(new Error('nobody handles'));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return 'not reached';
};
exports.neverSettles = async () => new Promise(() => {});
