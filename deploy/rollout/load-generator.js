// Load generator of the rollout drill (deploy/ci/rollout-drill.sh) and the capacity measurement (deploy/ci/capacity.sh).
//
//   node deploy/rollout/load-generator.js --url http://127.0.0.1:8080 [--rate 100] [--seconds 120]
//        [--connections 16] [--batch 0] [--info-every-ms 250] [--t0 <unix seconds>] [--connection-per-request]
//        [--allow-remote]
//
// Open loop: predictions are sent at --rate per second whatever the answers' speed (a closed loop would slow down
// exactly when the service struggles and hide failures), over keep-alive connections like a real client, for at most
// --seconds or until SIGTERM/SIGINT. Every non-2xx answer and every connection error or timeout is a failure.
// With --info-every-ms, GET /api/v1/info is polled to see which version answers when.
// --connection-per-request: no keep-alive. Behind kube-proxy a kept-alive connection stays on one pod, so pods the
// HPA adds would get no share of a load generator's existing connections; new connections are spread over all.
// --batch N sends POST /api/v1/predict/batch with N messages per request instead of single predictions.
// --rate 0 is a closed loop instead: each of --connections sends its next request when the previous one is answered
// (the capacity measurement: as fast as the service can answer).
// Times in the summary are seconds since --t0 (default: the start), so they line up with the caller's own log.
// Prints one JSON summary on stdout. Only loopback targets unless --allow-remote (e.g. inside a cluster).
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '120' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '0' },
    'info-every-ms': { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: '5000' },
    t0: { type: 'string' },
    'allow-remote': { type: 'boolean', default: false },
    'connection-per-request': { type: 'boolean', default: false },
  },
});

function fail(message) {
  process.stderr.write(`load-generator: ${message}\n`);
  process.exit(2);
}

function numberOption(name, min, max) {
  const value = Number(options[name]);
  if (!Number.isFinite(value) || value < min || value > max) fail(`--${name} must be a number in ${min}..${max}`);
  return value;
}

if (!options.url) fail('--url is required');
const target = new URL(options.url);
const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) || target.hostname.startsWith('127.');
if (!loopback && !options['allow-remote']) fail(`refusing non-loopback target ${target.hostname} (--allow-remote)`);
const rate = numberOption('rate', 0, 20000);
const seconds = numberOption('seconds', 1, 3600);
const connections = numberOption('connections', 1, 512);
const infoEveryMs = numberOption('info-every-ms', 0, 60000);
const timeoutMs = numberOption('timeout-ms', 100, 60000);
const batch = numberOption('batch', 0, 100);

// One spam and one ham message, alternated, so both answers are exercised.
const MESSAGES = [
  'WINNER!! You have been selected for a 1000 cash prize. Call 09061701461 now to claim.',
  'Are we still meeting for lunch tomorrow at noon? Let me know.',
];
const PREDICT_PATH = batch > 0 ? '/api/v1/predict/batch' : '/api/v1/predict';
const BODIES =
  batch > 0
    ? [JSON.stringify({ texts: Array.from({ length: batch }, (_, i) => MESSAGES[i % MESSAGES.length]) })]
    : MESSAGES.map((text) => JSON.stringify({ text }));
const agent = new http.Agent({ keepAlive: !options['connection-per-request'], maxSockets: connections });
const nowMs = () => performance.timeOrigin + performance.now();
const startedMs = nowMs();
const t0Ms = options.t0 === undefined ? startedMs : numberOption('t0', 0, 1e11) * 1000;
const elapsed = () => (nowMs() - t0Ms) / 1000;

const stats = { requests: 0, ok: 0, failures: 0, byStatus: {}, errors: {}, firstFailures: [], latencies: [] };
const versions = new Map();
let inFlight = 0;
let skipped = 0;
const MAX_IN_FLIGHT = 2000;
let stopping = false;

function record(status, error, latencyMs) {
  stats.requests += 1;
  if (status >= 200 && status < 300) {
    stats.ok += 1;
    if (stats.latencies.length < 200000) stats.latencies.push(latencyMs);
  } else {
    stats.failures += 1;
    if (stats.firstFailures.length < 10) stats.firstFailures.push({ at: +elapsed().toFixed(3), status, error });
  }
  if (status) stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
  if (error) stats.errors[error] = (stats.errors[error] ?? 0) + 1;
}

function request(method, path, body, onAnswer) {
  const sentAt = process.hrtime.bigint();
  inFlight += 1;
  let done = false;
  const finish = (status, error, text) => {
    if (done) return;
    done = true;
    inFlight -= 1;
    record(status, error, Number(process.hrtime.bigint() - sentAt) / 1e6);
    if (onAnswer && status >= 200 && status < 300) onAnswer(text);
  };
  const req = http.request(
    new URL(path, target),
    { method, agent, timeout: timeoutMs, headers: body ? { 'content-type': 'application/json' } : {} },
    (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => finish(res.statusCode, null, Buffer.concat(chunks).toString()));
      res.on('error', (error) => finish(0, error.code ?? 'response-error'));
    },
  );
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (error) => finish(0, error.code ?? error.message));
  req.end(body);
  return req;
}

let sent = 0;
function predict(then) {
  request('POST', PREDICT_PATH, BODIES[sent++ % BODIES.length], null);
  if (then) then();
}

function pollInfo() {
  if (stopping) return;
  request('GET', '/api/v1/info', null, (text) => {
    const version = JSON.parse(text).version;
    const at = +elapsed().toFixed(3);
    const seen = versions.get(version) ?? { version, first: at, last: at, answers: 0 };
    seen.last = at;
    seen.answers += 1;
    versions.set(version, seen);
  });
  setTimeout(pollInfo, infoEveryMs);
}

// Closed loop: `connections` workers, each sends when its previous request is answered.
function closedLoopWorker() {
  if (stopping) return;
  const body = BODIES[sent++ % BODIES.length];
  const req = request('POST', PREDICT_PATH, body, null);
  req.on('close', () => setImmediate(closedLoopWorker));
}

let ticker;
if (rate > 0) {
  // Every 10 ms, send what the rate owes. A slow answer is not a failure (only a timeout is), so requests queue on
  // the keep-alive connections; past MAX_IN_FLIGHT the target is stuck and further sends are skipped (reported).
  let owed = 0;
  ticker = setInterval(() => {
    owed += rate / 100;
    while (owed >= 1) {
      owed -= 1;
      if (inFlight >= MAX_IN_FLIGHT) skipped += 1;
      else predict();
    }
  }, 10);
} else {
  for (let i = 0; i < connections; i += 1) closedLoopWorker();
}
if (infoEveryMs > 0) pollInfo();

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  const duration = (nowMs() - startedMs) / 1000;
  // In-flight requests get their timeout to finish; then the summary.
  const deadline = Date.now() + timeoutMs + 500;
  while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  agent.destroy();
  const sorted = stats.latencies.sort((a, b) => a - b);
  const summary = {
    requests: stats.requests,
    ok: stats.ok,
    failures: stats.failures,
    skipped,
    byStatus: stats.byStatus,
    errors: stats.errors,
    firstFailures: stats.firstFailures,
    durationSeconds: +duration.toFixed(3),
    requestsPerSecond: +(stats.requests / duration).toFixed(1),
    predictionsPerSecond: +((stats.ok * Math.max(batch, 1)) / duration).toFixed(1),
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99) },
    versions: [...versions.values()].sort((a, b) => a.first - b.first),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, seconds * 1000);
