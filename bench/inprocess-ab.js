// In-process A/B of the prediction path (docs/benchmark.md "In-process A/B"): the built app of two checkouts in one
// Node process, requests through fastify's inject (no sockets, no load generator), alternating rounds, CPU time per
// request. Less sensitive to a busy machine than `npm run bench`, which shares the cores with its load generator.
//   node bench/inprocess-ab.js <checkout A> <checkout B> <model.json> >/dev/null    (results on stderr)
// With B, a third variant "B + shadow" puts B's own served model in place as the shadow model (the real scoring
// path after each answer; only the MLflow lookup is skipped), to price MODEL_SHADOW_ALIAS.
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { batchBody } from './model.js';

const [dirA, dirB, modelPath] = process.argv.slice(2).map((arg) => resolve(arg));
const REQUESTS = Number(process.env.AB_REQUESTS ?? 3000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 5);
const TEXT = 'WINNER!! You have won a £1000 prize. Call 09061701461 now or visit www.win-now.com to claim';
// AB_BATCH=100 posts batches of that many bench messages to the batch route instead (figures per request).
const BATCH = Number(process.env.AB_BATCH ?? 0);
const [URL, PAYLOAD] = BATCH > 0 ? ['/api/v1/predict/batch', batchBody(BATCH)] : ['/api/v1/predict', JSON.stringify({ text: TEXT })];

async function build(dir) {
  const { createApp } = await import(join(dir, 'dist', 'create-app.js'));
  const { loadAppConfig } = await import(join(dir, 'dist', 'config', 'app-config.js'));
  const { AppLogger } = await import(join(dir, 'dist', 'logging', 'app-logger.js'));
  const { SecretsService } = await import(join(dir, 'dist', 'config', 'secrets.service.js'));
  const config = loadAppConfig({ MODEL_SOURCE: `file:${modelPath}`, RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info', MODEL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'ab-')) });
  const logger = new AppLogger({ level: config.logLevel, serviceName: 'ab', serviceVersion: '0' });
  // As make bench and production: prediction events carry the keyed fingerprint.
  const secrets = await SecretsService.start(config, logger, { LOG_HASH_KEY: 'bench-log-hash-key' });
  const app = await createApp({ config, secrets, logger });
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  return { app, fastify };
}

async function measure(fastify) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fastify.inject({ method: 'POST', url: URL, payload: PAYLOAD, headers: { 'content-type': 'application/json' } });
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
  }
  // Let work queued after the answers (the shadow) finish inside the measurement.
  for (let i = 0; i < 10; i++) await new Promise((done) => setImmediate(done));
  const used = process.cpuUsage(cpu);
  return { cpuMicros: (used.user + used.system) / REQUESTS, wallMicros: ((performance.now() - started) * 1000) / REQUESTS };
}

const a = await build(dirA);
const b = await build(dirB);
const bShadow = await build(dirB);
const { ShadowModelService } = await import(join(dirB, 'dist', 'model-registry', 'shadow-model.service.js'));
const { ModelRegistryService } = await import(join(dirB, 'dist', 'model-registry', 'model-registry.service.js'));
// The served model doubles as the shadow model: same size, same cost as a challenger trained by the same recipe.
bShadow.app.get(ShadowModelService).shadow = bShadow.app.get(ModelRegistryService).current();

const variants = [['A', a], ['B', b], ['B + shadow', bShadow]];
const results = Object.fromEntries(variants.map(([name]) => [name, []]));
await measure(a.fastify);
await measure(b.fastify);
await measure(bShadow.fastify);
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, variant] of variants) results[name].push(await measure(variant.fastify));
}
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
process.stderr.write(`A = ${dirA}\nB = ${dirB}\n${REQUESTS} requests x ${ROUNDS} rounds per variant, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
for (const [name] of variants) {
  const cpu = median(results[name].map((r) => r.cpuMicros));
  const wall = median(results[name].map((r) => r.wallMicros));
  process.stderr.write(`${name.padEnd(11)} CPU ${cpu.toFixed(1)} µs/request (median; rounds ${results[name].map((r) => r.cpuMicros.toFixed(0)).join(', ')}), wall ${wall.toFixed(1)} µs\n`);
}
for (const { app } of [a, b, bShadow]) await app.close();
process.exit(0);
