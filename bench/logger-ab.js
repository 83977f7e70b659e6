// `node bench/logger-ab.js <before-checkout>`: what one prediction event costs through the AppLogger of two builds,
// interleaved in one process (10 rounds x 20,000 events per build, alternating), so both builds see every load spike
// of a shared machine. Run with stdout to /dev/null; prints µs per event to stderr. Events go in blocks of 1,000,
// each timed until the event loop has turned (the buffered write and winston's deferred work happen there).
import { join, resolve } from 'node:path';

const builds = [['before', resolve(process.argv[2] ?? '.')], ['after', resolve(import.meta.dirname, '..')]];
const loggers = await Promise.all(builds.map(async ([name, root]) => {
  const { AppLogger } = await import(join(root, 'dist', 'logging', 'app-logger.js'));
  return [name, new AppLogger({ level: 'info', serviceName: 'spam-classifier', serviceVersion: '1.0.0' })];
}));
const fields = (i) => ({
  event: { action: 'prediction', kind: 'event' },
  spam: { label: i % 3 ? 'ham' : 'spam', probability: i / 20_000, model_version: 'file-cf0a06d960de', text_length: 150, text_hmac: 'ab'.repeat(32) },
});
const turn = () => new Promise((done) => setImmediate(done));

const results = new Map(loggers.map(([name]) => [name, []]));
for (let round = 0; round < 10; round++) {
  for (const [name, logger] of loggers) {
    let elapsed = 0n;
    for (let block = 0; block < 20; block++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 1000; i++) logger.info('prediction', fields(i));
      // Timed to the end of the turn: the buffered write (and winston's deferred work) happen there.
      await turn();
      elapsed += process.hrtime.bigint() - started;
    }
    results.get(name).push(Number(elapsed) / 1e3 / 20_000);
  }
}
for (const [name, values] of results) {
  const sorted = [...values].sort((a, b) => a - b);
  process.stderr.write(`${name}: median ${((sorted[4] + sorted[5]) / 2).toFixed(2)} µs/event (rounds: ${values.map((v) => v.toFixed(1)).join(' ')})\n`);
}
