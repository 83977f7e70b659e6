import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LAYERS } from '../../bench/layers.js';
import { startServer, startService } from '../../bench/servers.js';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * `make bench-layers` reads the cost of each piece of the service as the difference between neighbouring rungs of
 * bench/layer-server.js, built from the compiled service (dist/). A rung that no longer starts (a constructor of the
 * service gained an argument) broke that ladder silently once; each rung must answer one prediction.
 */
describe('benchmark ladder rungs (bench/layer-server.js) answer as the service does', () => {
  const work = mkdtempSync(join(tmpdir(), 'bench-ladder-'));
  const modelPath = join(work, 'model.json');
  writeFileSync(modelPath, JSON.stringify(tinyModel()));
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it.each(LAYERS)('rung %s', async (rung) => {
    const body = JSON.stringify({ text: TINY_SPAM_TEXT });
    const env = { BENCH_LAYER: rung, BENCH_DIST: join(ROOT, 'dist'), BENCH_MODEL: modelPath };
    const server = await startServer([join(ROOT, 'bench', 'layer-server.js')], env, { cwd: ROOT, readyPath: '/api/v1/predict', readyBody: body });
    try {
      const response = await fetch(`${server.url}/api/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = (await response.json()) as { label: string; spamProbability: number; modelVersion: string };
      expect(response.status).toBe(200);
      // From the scoring rung on, the tiny model really scores the text (a spam text); below it a fixed answer.
      const scored = LAYERS.indexOf(rung) >= LAYERS.indexOf('scoring');
      expect(answer).toEqual(scored ? { label: 'spam', spamProbability: expect.any(Number), modelVersion: 'bench' } : { label: 'ham', spamProbability: 0.01, modelVersion: 'baseline' });
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('rung service: the built service, started as make bench and make bench-layers start it', async () => {
    const body = JSON.stringify({ text: TINY_SPAM_TEXT });
    const server = await startService(ROOT, modelPath, body);
    try {
      const response = await fetch(`${server.url}/api/v1/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ texts: [TINY_SPAM_TEXT, TINY_SPAM_TEXT] }) });
      expect(response.status).toBe(200);
      const answer = (await response.json()) as { predictions: { label: string }[]; modelVersion: string };
      expect(answer.predictions.map(({ label }) => label)).toEqual(['spam', 'spam']);
      expect(answer.modelVersion).toMatch(/^file-/);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
