import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortableModel } from '../../src/prediction/scoring/portable-model.js';
import { tinyModel } from '../fixtures/tiny-model.js';
import { type LogEvent, ServiceProcess, newWorkDir, sleep } from '../support/service-process.js';

/** The tiny model has no norm and raw tf: p('win') = sigmoid(intercept + idf 2 * coefficient 2), p('') = sigmoid(intercept). */
function goldenFor(model: PortableModel, bytes: string, shift = 0): string {
  const intercept = model.classifier.type === 'logistic_regression' ? model.classifier.intercept : 0;
  const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
  const cases = [
    { id: 'win', text: 'win', spam_probability: sigmoid(intercept + 4) + shift },
    { id: 'empty', text: '', spam_probability: sigmoid(intercept) },
  ].map((entry) => ({ ...entry, features: {}, label: entry.spam_probability >= model.threshold ? 'spam' : 'ham' }));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return JSON.stringify({ format_version: 3, model_sha256: sha256, tolerance: 1e-9, cases });
}

function isSwap(outcome: string): (event: LogEvent) => boolean {
  return (event) => {
    const fields = event.event as { action?: string; outcome?: string } | undefined;
    return fields?.action === 'model-swap' && fields.outcome === outcome;
  };
}

async function servedVersion(url: string): Promise<string> {
  return ((await (await fetch(`${url}/api/v1/model`)).json()) as { version: string }).version;
}

describe('golden.json checked at every swap (e2e, file source)', () => {
  it('refuses a model whose golden.json it does not reproduce, swaps once the golden file matches', async () => {
    const workDir = newWorkDir();
    const modelPath = join(workDir, 'model.json');
    const goldenPath = join(workDir, 'golden.json');
    const first = tinyModel();
    writeFileSync(modelPath, JSON.stringify(first));
    writeFileSync(goldenPath, goldenFor(first, JSON.stringify(first)));
    const service = await ServiceProcess.start({ MODEL_SOURCE: `file:${modelPath}`, MODEL_POLL_INTERVAL_SECONDS: '0.2' }, { workDir });
    try {
      const firstVersion = await servedVersion(service.url);

      // A new model.json whose golden file is off by 1e-6 on one case: refused, logged, counted; the old one serves on.
      const second = tinyModel({ classifier: { type: 'logistic_regression', coefficients: [1, 2, 0.5, 1.5, 2, 2, 0.25], intercept: -0.5 } });
      const secondBytes = JSON.stringify(second);
      writeFileSync(goldenPath, goldenFor(second, secondBytes, 1e-6));
      writeFileSync(modelPath, secondBytes);
      const refusal = await service.waitForLog(isSwap('failure'));
      expect((refusal.error as { message: string }).message).toContain('golden.json not reproduced: 1 of 2 cases');
      expect(await servedVersion(service.url)).toBe(firstVersion);
      expect(await (await fetch(`${service.url}/metrics`)).text()).toMatch(/model_reload_total\{result="failure"\} 1/);

      // The matching golden file: the same model.json is now served.
      writeFileSync(goldenPath, goldenFor(second, secondBytes));
      const deadline = Date.now() + 5000;
      let version = firstVersion;
      while (version === firstVersion && Date.now() < deadline) {
        await sleep(100);
        version = await servedVersion(service.url);
      }
      expect(version).toBe(`file-${createHash('sha256').update(secondBytes).digest('hex').slice(0, 12)}`);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('will not start from a model file whose golden.json belongs to another model', async () => {
    const workDir = newWorkDir();
    const modelPath = join(workDir, 'model.json');
    writeFileSync(modelPath, JSON.stringify(tinyModel()));
    writeFileSync(join(workDir, 'golden.json'), goldenFor(tinyModel(), JSON.stringify(tinyModel({ threshold: 0.4 }))));
    const started = await ServiceProcess.start({ MODEL_SOURCE: `file:${modelPath}` }, { workDir, waitForReady: false }).catch((error: unknown) => error);
    // Had it started, stop it, so a failing run does not leave a server that keeps jest waiting.
    if (started instanceof ServiceProcess) await started.stop();
    expect(String(started)).toContain('golden.json belongs to another model.json');
  }, 30_000);
});
