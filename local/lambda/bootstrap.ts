/**
 * Source of the program each Lambda instance runs in its worker thread: the local stand-in for the
 * Node.js runtime interface client. It is kept as plain CommonJS text (evaluated with `eval: true`) so
 * that it runs unchanged under Jest, tsx and a bundled CLI, with no file to locate on disk.
 *
 * It mirrors what the managed runtime does that handler code can observe:
 * - loads `_HANDLER` from `LAMBDA_TASK_ROOT` once (the init phase), trying `.js`, `.mjs`, `.cjs`;
 * - formats `console.*` like the runtime (`timestamp\trequestId\tLEVEL\tmessage`, newlines folded to
 *   `\r`), or as JSON lines when `AWS_LAMBDA_LOG_FORMAT=JSON`;
 * - sets `_X_AMZN_TRACE_ID` per invocation, passes a context object, JSON-serializes the result;
 * - reports an uncaught exception as the invocation's error then exits 129, and an unhandled
 *   rejection as `Runtime.UnhandledPromiseRejection` then exits 128.
 *
 * stdout and stderr are sent over the same message port as results so that every line a handler
 * logged arrives at the service before that invocation's result does.
 *
 * Before the handler loads, `Date` is replaced by one that adds the runtime clock's offset, read
 * from the shared memory in `workerData.clockOffset` (see RuntimeClock): a test that moves the
 * clock moves the time handler code sees. Dates still share the real prototype, so `instanceof
 * Date` holds for every date, whichever code made it.
 */
export const BOOTSTRAP_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');

const MAX_RESPONSE_BYTES = 6291556;
let currentRequestId;

(function installClock(offset) {
  const RealDate = Date;
  const now = () => RealDate.now() + Number(Atomics.load(offset, 0));
  function LocalDate(...args) {
    if (new.target === undefined) return new RealDate(now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [now()] : args, new.target);
  }
  LocalDate.prototype = RealDate.prototype;
  LocalDate.now = now;
  LocalDate.parse = RealDate.parse;
  LocalDate.UTC = RealDate.UTC;
  RealDate.prototype.constructor = LocalDate;
  globalThis.Date = LocalDate;
})(new BigInt64Array(workerData.clockOffset));

function forwardStream(stream) {
  return function write(chunk, encoding, callback) {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    parentPort.postMessage({ type: 'log', stream: stream, text: text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}
process.stdout.write = forwardStream('stdout');
process.stderr.write = forwardStream('stderr');

const jsonLogs = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
const consoleLevels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const method of Object.keys(consoleLevels)) {
  const level = consoleLevels[method];
  console[method] = function (...args) {
    const message = util.format(...args);
    const timestamp = new Date().toISOString();
    const line = jsonLogs
      ? JSON.stringify({ timestamp: timestamp, level: level, requestId: currentRequestId, message: message })
      : [timestamp, String(currentRequestId), level, message.replace(/\n/g, '\r')].join('\t');
    process.stdout.write(line + '\n');
  };
}

function toLambdaError(error) {
  try {
    if (util.types.isNativeError(error) || (error instanceof Error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack || '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (_unreadable) {
    return { errorType: 'handled', errorMessage: 'error value could not be read' };
  }
}

function crash(error, exitCode) {
  console.error('Uncaught Exception', JSON.stringify(error));
  parentPort.postMessage({ type: 'crash', error: error });
  process.exit(exitCode);
}
process.on('uncaughtException', (error) => crash(toLambdaError(error), 129));
process.on('unhandledRejection', (reason) => {
  const message = util.types.isNativeError(reason) ? reason.name + ': ' + reason.message : String(reason);
  crash({ errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: message, trace: toLambdaError(reason).trace || [] }, 128);
});

function initError(errorType, errorMessage, trace) {
  return { errorType: errorType, errorMessage: errorMessage, trace: trace || [] };
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const base = path.basename(spec);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw { lambda: initError('Runtime.MalformedHandlerName', "Bad handler '" + spec + "'") };
  const modulePath = path.resolve(taskRoot, path.dirname(spec), match[1]);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw { lambda: initError('Runtime.ImportModuleError', "Error: Cannot find module '" + match[1] + "'") };
  }
  let moduleNamespace;
  try {
    moduleNamespace = await import(pathToFileURL(file).href);
  } catch (error) {
    const lambda = toLambdaError(error);
    if (lambda.errorType === 'SyntaxError') throw { lambda: initError('Runtime.UserCodeSyntaxError', lambda.errorType + ': ' + lambda.errorMessage, lambda.trace) };
    throw { lambda: lambda };
  }
  const lookup = (root) => match[2].split('.').reduce((value, key) => (value == null ? undefined : value[key]), root);
  const handler = lookup(moduleNamespace) ?? lookup(moduleNamespace.default);
  if (handler === undefined) throw { lambda: initError('Runtime.HandlerNotFound', spec + ' is undefined or not exported') };
  if (typeof handler !== 'function') throw { lambda: initError('Runtime.HandlerNotFound', spec + ' is not a function') };
  return handler;
}

function makeContext(request) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: request.requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, request.deadlineMs - Date.now()),
  };
}

function callHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error === undefined || error === null ? resolve(result) : reject(error));
    try {
      const returned = handler.length >= 3 ? handler(event, context, callback) : handler(event, context);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

(async () => {
  let handler;
  try {
    handler = await loadHandler();
  } catch (failure) {
    const error = failure && failure.lambda ? failure.lambda : toLambdaError(failure);
    console.error('Init Error', JSON.stringify(error));
    parentPort.postMessage({ type: 'initError', error: error });
    return;
  }
  parentPort.on('message', async (request) => {
    currentRequestId = request.requestId;
    process.env._X_AMZN_TRACE_ID = request.traceId;
    try {
      const result = await callHandler(handler, JSON.parse(request.eventJson), makeContext(request));
      const payloadJson = JSON.stringify(result === undefined ? null : result);
      if (Buffer.byteLength(payloadJson) > MAX_RESPONSE_BYTES) {
        parentPort.postMessage({ type: 'responseTooLarge', requestId: request.requestId, bytes: Buffer.byteLength(payloadJson) });
        return;
      }
      parentPort.postMessage({ type: 'response', requestId: request.requestId, payloadJson: payloadJson });
    } catch (thrown) {
      const error = toLambdaError(thrown);
      console.error('Invoke Error', JSON.stringify(error));
      parentPort.postMessage({ type: 'invokeError', requestId: request.requestId, error: error });
    }
  });
  parentPort.postMessage({ type: 'ready' });
})();
`;
