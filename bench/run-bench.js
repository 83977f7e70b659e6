// `npm run bench` / `make bench`: the built service and a bare node:http server loaded by the same load generator
// (Debian's wrk, on 127.0.0.1) in one run, so the service's figures can be read as ratios of what Node itself
// manages on this machine, plus the in-process scoring rate of the TypeScript scorer. Prints figures and ratios next
// to the targets of docs/benchmark.md and the load average; asserts nothing (the machine may be shared). Uses a real
// model.json: $BENCH_MODEL, else build/model/model.json, else one trained once with the training CLI (--quick).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModelFile } from '../dist/model-registry/model-loader.js';
import { ModelValidator } from '../dist/prediction/scoring/model-validation.js';
import { batchBody, locateModel, MESSAGES } from './model.js';
import { startServer, startService } from './servers.js';
import { checkWrk, measureServer } from './wrk.js';

const ROOT = resolve(import.meta.dirname, '..');
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const WARM_UP_SECONDS = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 10);
const BATCH_SIZE = 100;
// The targets of issue 13, read as ratios of the bare server of the same run (docs/benchmark.md).
const TARGET_SINGLE_SHARE = 0.3;
const TARGET_P99_RATIO = 3;
const TARGET_BATCH_MESSAGES_PER_SECOND = 40_000;

const load = () => loadavg()[0].toFixed(2);

function measureScorer(modelPath) {
  // The service's own loader (schema, compile, smoke test): the bench never measures a model the service would refuse.
  const { model } = loadModelFile(readFileSync(modelPath), new ModelValidator());
  for (let i = 0; i < 2000; i++) model.score(MESSAGES[i % MESSAGES.length]);
  const count = 50_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) model.score(MESSAGES[i % MESSAGES.length]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { messagesPerSecond: count / seconds, microsecondsPerMessage: (seconds / count) * 1e6 };
}

const measure = (running, path, body, connections) => measureServer(running, path, body, connections, DURATION_SECONDS, WARM_UP_SECONDS);

function row(name, figures, extra = '') {
  const rate = figures.requestsPerSecond.toFixed(0).padStart(7);
  console.log(`${name.padEnd(30)} ${rate} req/s  p50 ${figures.p50.toFixed(1).padStart(6)} ms  p99 ${figures.p99.toFixed(1).padStart(6)} ms  server CPU ${figures.cpuMicroseconds.toFixed(0).padStart(5)} µs/req  failures ${figures.failures}  load ${figures.load}${extra}`);
}

const verdict = (ok) => (ok ? 'met' : 'NOT met');

checkWrk();
const modelPath = locateModel();
console.log(`machine: ${cpus().length} cores, node ${process.version}, wrk 1 thread; load average (1/5/15 min) before: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`model: ${modelPath}; ${DURATION_SECONDS}s per measurement after a ${WARM_UP_SECONDS}s warm-up; load generator on the same machine\n`);

const scorer = measureScorer(modelPath);
console.log(`in-process scorer              ${scorer.messagesPerSecond.toFixed(0).padStart(7)} msg/s  ${scorer.microsecondsPerMessage.toFixed(1)} µs/message (one core)  load ${load()}`);

const singleBody = JSON.stringify({ text: MESSAGES[0] });
const bare = await startServer([join(ROOT, 'bench', 'bare-http-server.js')], {}, { cwd: ROOT, readyPath: '/', readyBody: singleBody });
const baseline = measure(bare, '/', singleBody, CONNECTIONS);
await bare.stop();
row(`bare node:http, ${CONNECTIONS} conn`, baseline);

const service = await startService(ROOT, modelPath, singleBody);
const single = measure(service, '/api/v1/predict', singleBody, CONNECTIONS);
row(`service single, ${CONNECTIONS} conn`, single);
const batch = measure(service, '/api/v1/predict/batch', batchBody(BATCH_SIZE), BATCH_CONNECTIONS);
row(`service batch of ${BATCH_SIZE}, ${BATCH_CONNECTIONS} conn`, batch, `  = ${(batch.requestsPerSecond * BATCH_SIZE).toFixed(0)} msg/s`);
await service.stop();

const share = single.requestsPerSecond / baseline.requestsPerSecond;
const p99Ratio = single.p99 / baseline.p99;
const batchRate = batch.requestsPerSecond * BATCH_SIZE;
console.log(`\nload average (1/5/15 min) after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('ratios of this run (targets of docs/benchmark.md; read with the load average: other work on the cores moves them):');
console.log(`  single req/s / bare req/s   ${(share * 100).toFixed(1).padStart(6)} %    target >= ${TARGET_SINGLE_SHARE * 100} %       ${verdict(share >= TARGET_SINGLE_SHARE)}`);
console.log(`  single p99 / bare p99       ${p99Ratio.toFixed(2).padStart(6)} x    target <= ${TARGET_P99_RATIO} x        ${verdict(p99Ratio <= TARGET_P99_RATIO)}`);
console.log(`  batch of ${BATCH_SIZE}, messages/s   ${batchRate.toFixed(0).padStart(8)}    target >= ${TARGET_BATCH_MESSAGES_PER_SECOND}   ${verdict(batchRate >= TARGET_BATCH_MESSAGES_PER_SECOND)}`);
console.log(`  server CPU per request: bare ${baseline.cpuMicroseconds.toFixed(0)} µs, service ${single.cpuMicroseconds.toFixed(0)} µs (${(single.cpuMicroseconds / baseline.cpuMicroseconds).toFixed(1)} x)`);
const failures = baseline.failures + single.failures + batch.failures;
if (failures > 0) {
  console.log(`\n${failures} failed requests (errors, timeouts or non-2xx): the figures above are not valid`);
  process.exitCode = 1;
}
