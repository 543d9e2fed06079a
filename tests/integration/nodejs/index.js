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

// context.callbackWaitsForEmptyEventLoop. Each handler starts a timer that marks its result
// object; since the result is serialized when it is posted, the answer tells whether it was
// sent before or after the timer ran.
exports.waitsForLoop = (event, context, callback) => {
  const result = { waits: context.callbackWaitsForEmptyEventLoop, timerDone: false };
  setTimeout(() => { result.timerDone = true; }, 50);
  callback(null, result);
};
// Answers at once; its timer stays pending, frozen with the instance, and then opens a TCP
// connection to the instance's Momento listener (a ledger event). {"collect":true} answers
// once that happened.
let late;
exports.noWait = (event, context, callback) => {
  if (event.collect) {
    late.then((fired) => callback(null, fired));
    return;
  }
  context.callbackWaitsForEmptyEventLoop = false;
  const result = { timerDone: false };
  late = new Promise((resolve) => setTimeout(() => {
    result.timerDone = true;
    // The instance's fake Momento, at its real name over TLS, as a client in Lambda reaches
    // Momento. The HTTP/2 preface and an empty SETTINGS frame; the server's SETTINGS in return
    // proves the connection reached gRPC (both ends finished the handshake).
    const host = 'cache.cell-us-east-1-1.prod.a.momentohq.com';
    const socket = require('node:tls').connect(
      { host, port: 443, servername: host, ALPNProtocols: ['h2'] },
      () => socket.write(Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
    socket.once('data', () => { socket.destroy(); resolve({ fired: true }); });
  }, 300));  // well after the instance is frozen (it freezes once the runtime asks for /next)
  callback(null, result);
};
exports.asyncIgnoresFlag = async (event, context) => {
  context.callbackWaitsForEmptyEventLoop = true;
  const result = { timerDone: false };
  setTimeout(() => { result.timerDone = true; }, 50);
  return result;
};
exports.neverAnswers = (event, context, callback) => {
  setTimeout(() => console.log('timer done, no answer'), 20);
};
exports.syncReturn = (event, context) => ({ ignored: true });
exports.succeedAtOnce = (event, context) => {
  const result = { timerDone: false };
  setTimeout(() => { result.timerDone = true; }, 50);
  context.succeed(result);
};
exports.failNoArgument = (event, context) => context.fail();
exports.callbackString = (event, context, callback) => callback('plain string');
exports.firstAnswerWins = (event, context, callback) => {
  callback(null, 'first');
  context.succeed('second');
};
exports.neverSettles = async () => new Promise(() => {});
exports.timerThrows = async () => {
  setTimeout(() => { throw new SyntaxError('late boom'); }, 10);
  return new Promise(() => {});
};
exports.rejectsUnhandled = async () => {
  Promise.reject(new Error('nobody handles'));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return 'not reached';
};
// What Lambda's bootstrap gives node: its flags, and whatever AWS_LAMBDA_EXEC_WRAPPER set up.
exports.lambdaFlags = async () => ({
  gc: typeof global.gc,
  maxHeaderSize: require('http').maxHeaderSize,
  heapLimitMb: Math.round(require('v8').getHeapStatistics().heap_size_limit / 1048576),
  execArgv: process.execArgv,
  wrappedBy: process.env.WRAPPED_BY ?? null,
});
