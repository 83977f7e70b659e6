// `npm run bench`: throughput and latency of the built service (autocannon on 127.0.0.1), the in-process scoring
// rate of the TypeScript scorer, and a bare node:http baseline measured in the same run. Prints figures; asserts
// nothing (targets are read, not enforced: the machine is shared). Uses a real model.json: $BENCH_MODEL, else
// build/model/model.json, else one trained on the spot with the training CLI (--quick).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { loadModelFile } from '../dist/model-registry/model-loader.js';
import { ModelValidator } from '../dist/prediction/scoring/model-validation.js';

const ROOT = resolve(import.meta.dirname, '..');
const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 10);
const BATCH_SIZE = 100;

const MESSAGES = [
  'WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.',
  'Ok lar... Joking wif u oni...',
  'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry question(std txt rate)',
  'I HAVE A DATE ON SUNDAY WITH WILL!!',
  'Had your mobile 11 months or more? U R entitled to Update to the latest colour mobiles with camera for Free! Call The Mobile Update Co FREE on 08002986030',
  "I'm gonna be home soon and i don't want to talk about this stuff anymore tonight, k? I've cried enough today.",
  'URGENT! Your account has been suspended. Verify now at http://secure-login.example.xyz/verify or lose access',
  'Are we still meeting for lunch at 12:30 tomorrow? Let me know, Café Noir is fine for me.',
];

function freePort() {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function locateModel() {
  for (const candidate of [process.env.BENCH_MODEL, join(ROOT, 'build', 'model', 'model.json')]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const output = join(ROOT, 'build', 'bench-model');
  mkdirSync(output, { recursive: true });
  console.log('no model.json found: training one with the training CLI (--quick)...');
  execFileSync(join(ROOT, '.venv', 'bin', 'python'), ['-m', 'training.train', '--quick', '--output-dir', output, '--tracking-uri', `sqlite:///${join(output, 'mlflow.db')}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(output, 'model.json');
}

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

async function startServer(args, env) {
  const port = await freePort();
  // Logs go to /dev/null: the benchmark measures serving, not the terminal.
  const sink = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', sink, 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}${env.READY_PATH ?? '/health/ready'}`, env.READY_PATH ? { method: 'POST', body: '{}' } : {}).then((r) => r.ok).catch(() => false);
    if (ok) return { url, stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not come up`);
}

async function load(url, path, body, connections) {
  const options = { url: `${url}${path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, pipelining: 1 };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: DURATION_SECONDS });
  const failures = result.errors + result.timeouts + result.non2xx;
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failures };
}

function row(name, figures, extra = '') {
  const rate = figures.requestsPerSecond.toFixed(0).padStart(8);
  console.log(`${name.padEnd(34)} ${rate} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(figures.p99).padStart(4)} ms   failures ${figures.failures}${extra}`);
}

const modelPath = locateModel();
const loadBefore = loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`machine: ${cpus().length} cores, node ${process.version}, load average before: ${loadBefore}`);
console.log(`model: ${modelPath}; ${DURATION_SECONDS}s per measurement after 2s warm-up; load generator on the same machine\n`);

const scorer = measureScorer(modelPath);
console.log(`in-process scorer                  ${scorer.messagesPerSecond.toFixed(0).padStart(8)} msg/s   ${scorer.microsecondsPerMessage.toFixed(1)} µs/message (one core)`);

const bare = await startServer([join(ROOT, 'bench', 'bare-http-server.js')], { READY_PATH: '/' });
const baseline = await load(bare.url, '/', JSON.stringify({ text: MESSAGES[0] }), CONNECTIONS);
await bare.stop();
row(`bare node:http, ${CONNECTIONS} connections`, baseline);

// The start flags of package.json, the Dockerfile and deploy/local/run.sh (young generation size, see docs).
const service = await startServer(['--max-semi-space-size=64', join(ROOT, 'dist', 'main.js')], { MODEL_SOURCE: `file:${modelPath}`, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info', MODEL_CACHE_DIR: join(ROOT, 'build', 'bench-cache') });
const single = await load(service.url, '/api/v1/predict', JSON.stringify({ text: MESSAGES[0] }), CONNECTIONS);
row(`service single, ${CONNECTIONS} connections`, single, `   (${((single.requestsPerSecond / baseline.requestsPerSecond) * 100).toFixed(0)}% of bare node:http)`);
const texts = Array.from({ length: BATCH_SIZE }, (_, i) => MESSAGES[i % MESSAGES.length]);
const batch = await load(service.url, '/api/v1/predict/batch', JSON.stringify({ texts }), BATCH_CONNECTIONS);
row(`service batch of ${BATCH_SIZE}, ${BATCH_CONNECTIONS} connections`, batch, `   = ${(batch.requestsPerSecond * BATCH_SIZE).toFixed(0)} msg/s`);
await service.stop();

console.log(`\nload average after: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
console.log(`targets: single >= 4000 req/s with p99 <= 25 ms at 50 connections; batch >= 20000 msg/s`);
