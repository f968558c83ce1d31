// The Step Functions stand-in (test/helpers/sfn-stand-in.ts) as its own process, for
// consumer-batch.mjs: answers StartExecution as the service does. Prints `{"port": n}` to stderr
// once listening on 127.0.0.1.
import { startSfnStandIn } from '../../test/helpers/sfn-stand-in.js';

const sfn = await startSfnStandIn();
// Keep memory flat over thousands of calls: the bench reads answers, not the call log.
setInterval(() => {
  sfn.calls.length = 0;
}, 1_000).unref();
process.stderr.write(`${JSON.stringify({ port: Number(new URL(sfn.url).port) })}\n`);
process.once('SIGTERM', () => void sfn.close().then(() => process.exit(0)));
