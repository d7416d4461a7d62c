/**
 * Jest global setup (in the process that runs the suites with --runInBand): a Temporal client call that was being
 * retried when its connection closed throws "Channel has been shut down" from the retry timer of @temporalio/client's
 * gRPC interceptor (close() does not clear it), off any awaited path. Between two test files no test framework
 * handler is installed, so that one benign error ended the whole run and every result with it. This guard logs
 * exactly that error and lets every other one end the process as before. Helpers still drain their requests before
 * closing a connection (see test/browser/helpers/console-env.ts); this is the net under them.
 */
module.exports = async function installGrpcShutdownGuard() {
  if (process.listeners('uncaughtException').some((l) => l.name === 'grpcShutdownGuard')) return;
  process.on('uncaughtException', function grpcShutdownGuard(err) {
    const stack = err && typeof err.stack === 'string' ? err.stack : '';
    if (err && err.message === 'Channel has been shut down' && stack.includes('grpc-retry')) {
      process.stderr.write('[test] a Temporal call retried after its connection closed (ignored): ' + stack + '\n');
      return;
    }
    process.stderr.write((stack || String(err)) + '\n');
    process.exit(1);
  });
};
