// The document consumer (assets/consumer/index.mjs, built as shipped) against the Step Functions
// stand-in in its own process:
//   size    the bundle's bytes and gzip bytes, against the 1.5 MB budget
//   init    `await import(bundle)` in fresh Node processes (Lambda's init phase), median of N
//   batch   the handler on an SQS batch of 10 S3 notifications, sequential batches, the time per
//           record (batch time / 10), median of N batches, for new documents (StartExecution
//           starts each) and for the same batch again (each answered ExecutionAlreadyExists)
//
//   node bench/consumer/consumer-batch.mjs [--batches 200] [--runs 15]
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/bundle-agent.mjs';
import { bundleFunction } from '../../scripts/bundle-functions.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, '.bench', 'consumer');
const { values } = parseArgs({ options: { batches: { type: 'string', default: '200' }, runs: { type: 'string', default: '15' } } });
const batches = Number(values.batches);
const runs = Number(values.runs);
const BUDGET_BYTES = 1.5 * 1024 * 1024;
const BATCH_SIZE = 10;
const ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:DocumentsBench',
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** An SQS batch of 10 notifications, as S3 and Lambda send them; `n` makes the keys new. */
function batch(n) {
  return {
    Records: Array.from({ length: BATCH_SIZE }, (_, i) => ({
      messageId: `bench-${n}-${i}`,
      receiptHandle: `AQEBbench${n}${i}`,
      attributes: { ApproximateReceiveCount: '1' },
      eventSource: 'aws:sqs',
      body: JSON.stringify({
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: 'us-east-1',
            eventTime: '2026-11-25T10:00:00.000Z',
            eventName: 'ObjectCreated:Put',
            s3: {
              s3SchemaVersion: '1.0',
              bucket: { name: 'documents-bench', arn: 'arn:aws:s3:::documents-bench' },
              object: { key: `raw/batch-${n}/Invoice+${i}+%C3%9Cbersicht.pdf`, size: 48213, eTag: '9b2cf535f27731c974343645a3985328', versionId: `v${n}x${i}`, sequencer: '0062F2B1B3A1D2E5F1' },
            },
          },
        ],
      }),
    })),
  };
}

// --- build: the consumer as shipped, the stand-in as a process
await mkdir(out, { recursive: true });
const consumer = await bundleFunction('consumer', { outdir: join(out, 'bundle') });
await esbuild.build({ ...BUNDLE_OPTIONS, entryPoints: [join(here, 'sfn-server.ts')], outfile: join(out, 'sfn-server.mjs') });
const bytes = await readFile(consumer.outfile);

const server = spawn(process.execPath, ['--no-warnings', join(out, 'sfn-server.mjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
const port = await new Promise((resolve, reject) => {
  let buffered = '';
  server.stderr.on('data', (chunk) => {
    buffered += chunk.toString();
    const line = buffered.split('\n').find((l) => l.startsWith('{"port"'));
    if (line) resolve(JSON.parse(line).port);
  });
  server.on('exit', (code) => reject(new Error(`the stand-in exited with ${code}: ${buffered}`)));
});

try {
  Object.assign(process.env, ENV, { AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}` });

  // --- init, fresh processes
  const probe = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(consumer.outfile).href)}); process.stderr.write('INIT ' + (performance.now() - t) + '\\n');`;
  const inits = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', probe], { cwd: out, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    if (child.status !== 0) throw new Error(`probe failed: ${child.stderr}`);
    inits.push(Number(child.stderr.toString().match(/INIT ([\d.]+)/)[1]));
  }

  // --- batches
  const { handler } = await import(pathToFileURL(consumer.outfile).href);
  const write = process.stdout.write.bind(process.stdout);
  // One log line per record; a bench makes thousands.
  process.stdout.write = (chunk, ...rest) => (String(chunk).startsWith('{"timestamp"') ? true : write(chunk, ...rest));
  const run = async (event) => {
    const t = performance.now();
    const result = await handler(event);
    const ms = performance.now() - t;
    if (result.batchItemFailures.length > 0) throw new Error(`failures: ${JSON.stringify(result.batchItemFailures)}`);
    return ms;
  };
  for (let n = 0; n < 20; n++) await run(batch(`warm${n}`)); // warm-up (JIT, connections, client)
  const fresh = [];
  const again = [];
  for (let n = 0; n < batches; n++) {
    const event = batch(n);
    fresh.push(await run(event));
    again.push(await run(event));
  }
  process.stdout.write = write;

  const ms = (x) => x.toFixed(3).padStart(8);
  console.log(`\nDocument consumer (node ${process.version})\n`);
  console.log(`bundle        ${(bytes.length / 1024).toFixed(0)} KB (gzip ${(gzipSync(bytes).length / 1024).toFixed(0)} KB), budget ${(BUDGET_BYTES / 1024).toFixed(0)} KB: ${bytes.length <= BUDGET_BYTES ? 'within' : 'OVER'}`);
  console.log(`init          import ${median(inits).toFixed(1)} ms, median of ${runs} fresh processes; budget 200 ms`);
  console.log(`\nper record, batches of ${BATCH_SIZE}, median of ${batches} batches (ms; batch ms in brackets)`);
  console.log(`new documents (StartExecution starts)    ${ms(median(fresh) / BATCH_SIZE)}   [${median(fresh).toFixed(2)}]`);
  console.log(`same batch again (ExecutionAlreadyExists) ${ms(median(again) / BATCH_SIZE)}   [${median(again).toFixed(2)}]`);
} finally {
  server.kill('SIGTERM');
}
