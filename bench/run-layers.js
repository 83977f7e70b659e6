// `npm run bench:layers`: the per-request cost ladder of docs/benchmark.md "Where the time goes". Loads each rung
// (bare node:http, bare fastify, the rungs of bench/layer-server.js, the real service) with wrk and prints its
// requests/s, latency and the server's CPU time per request; the difference between neighbouring rungs is what one
// piece costs. BENCH_RUNGS limits the run to some rungs. BENCH_BUILDS="before=/path/to/other/checkout[@model.json],after=." measures several builds, alternating build by
// build within each rung and round (BENCH_ROUNDS), so all of them see the same machine. Asserts nothing.
import { join, resolve } from 'node:path';
import { LAYERS } from './layers.js';
import { batchBody, locateModel, MESSAGES } from './model.js';
import { startServer, startService } from './servers.js';
import { checkWrk, measureServer } from './wrk.js';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
// An entry may name its own model.json after '@' (a build of another model format version cannot read this one's).
const BUILDS = (process.env.BENCH_BUILDS ?? 'this=.').split(',').map((entry) => {
  const [name, spec] = entry.split('=');
  const [path, model] = spec.split('@');
  return { name, root: resolve(ROOT, path), model: model === undefined ? undefined : resolve(model) };
});
const BODY = JSON.stringify({ text: MESSAGES[0] });
// BENCH_BATCH=100 loads the service's batch route with that many messages instead (rung `service` only).
const BATCH = Number(process.env.BENCH_BATCH ?? 0);
// At BENCH_BATCH_CONNECTIONS (10, as make bench): at 50, a run's first batch on each new connection waits in the
// server's accept queue behind the others (docs/benchmark.md), and those 50 slow requests fill the p99.
const LOAD = BATCH > 0
  ? { path: '/api/v1/predict/batch', body: batchBody(BATCH), connections: Number(process.env.BENCH_BATCH_CONNECTIONS ?? 10) }
  : { path: '/api/v1/predict', body: BODY, connections: CONNECTIONS };
// BENCH_RUNGS="service,scoring" measures only those rungs (a quick before/after of the whole service).
const RUNGS = ['node:http', ...LAYERS, 'service'].filter((rung) => !process.env.BENCH_RUNGS || process.env.BENCH_RUNGS.split(',').includes(rung));

checkWrk();
const modelPath = locateModel();

function server(rung, build) {
  const ready = { cwd: build.root, readyPath: '/api/v1/predict', readyBody: BODY };
  if (rung === 'node:http') return startServer([join(ROOT, 'bench', 'bare-http-server.js')], {}, { ...ready, readyPath: '/' });
  if (rung === 'service') return startService(build.root, build.model ?? modelPath, BODY);
  const env = { BENCH_LAYER: rung, BENCH_DIST: join(build.root, 'dist'), BENCH_MODEL: modelPath, NODE_PATH: join(ROOT, 'node_modules') };
  return startServer(['--max-semi-space-size=64', join(ROOT, 'bench', 'layer-server.js')], env, ready);
}

async function measure(rung, build) {
  const running = await server(rung, build);
  try {
    const { path, body, connections } = rung === 'service' ? LOAD : { path: '/api/v1/predict', body: BODY, connections: CONNECTIONS };
    return measureServer(running, path, body, connections, SECONDS);
  } finally {
    await running.stop();
  }
}

/** The median; of an even count, the mean of the middle two. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

console.log(`${SECONDS}s per run after a 2s warm-up, ${BATCH > 0 ? `${CONNECTIONS} connections (batch route: ${LOAD.connections})` : `${CONNECTIONS} connections`}, wrk 1 thread; ${ROUNDS} round(s); builds: ${BUILDS.map((b) => `${b.name}=${b.root}`).join(', ')}`);
console.log('rung'.padEnd(16), 'build'.padEnd(8), 'req/s'.padStart(8), 'p50 ms'.padStart(7), 'p99 ms'.padStart(7), 'CPU µs/req'.padStart(11), 'fails'.padStart(6), ' load (1 min) before-after');
const summary = [];
for (const rung of RUNGS) {
  const runs = new Map(BUILDS.map((build) => [build.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const build of BUILDS) {
      // Rungs below the service's own modules are the same code in every build: measure them once per round.
      if (['node:http', 'fastify', 'nest'].includes(rung) && build !== BUILDS[0]) continue;
      const result = await measure(rung, build);
      runs.get(build.name).push(result);
      console.log(rung.padEnd(16), build.name.padEnd(8), result.requestsPerSecond.toFixed(0).padStart(8), result.p50.toFixed(1).padStart(7), result.p99.toFixed(1).padStart(7), result.cpuMicroseconds.toFixed(0).padStart(11), String(result.failures).padStart(6), ` ${result.load}`);
    }
  }
  summary.push({ rung, runs });
}

console.log('\nmedians per rung (CPU µs per request; req/s; p99 ms)');
for (const { rung, runs } of summary) {
  const cells = BUILDS.filter((build) => runs.get(build.name).length > 0).map((build) => {
    const list = runs.get(build.name);
    return `${build.name}: ${median(list.map((r) => r.cpuMicroseconds)).toFixed(0)} µs, ${median(list.map((r) => r.requestsPerSecond)).toFixed(0)} req/s, p99 ${median(list.map((r) => r.p99)).toFixed(1)}`;
  });
  console.log(`${rung.padEnd(16)} ${cells.join(' | ')}`);
}
