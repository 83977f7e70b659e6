import { jest } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TINY_SPAM_TEXT, tinyModel } from '../../test/fixtures/tiny-model.js';
import type { SecretsService } from '../config/secrets.service.js';
import { AppLogger } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ServedModel } from '../model-registry/served-model.js';
import type { ShadowModelService } from '../model-registry/shadow-model.service.js';
import { CompiledModel } from './scoring/compiled-model.js';
import { SHADOW_MAX_PENDING, ShadowScorer } from './shadow-scorer.js';

function served(version: string, threshold: number): ServedModel {
  return {
    model: CompiledModel.fromPortable(tinyModel({ threshold })),
    descriptor: { name: 'spam-classifier', version, runId: 'r', candidate: 'tiny', trainedAt: 't', metrics: {}, sha256: 'x' },
    source: 'mlflow',
    loadedAt: 'now',
  };
}

/** Lines the service's logger writes to stdout (it writes them directly, one event-loop turn at a time). */
const lines: string[] = [];
beforeEach(() => {
  lines.length = 0;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** A real ShadowScorer with a real logger (captured) and metrics; the shadow model is handed over directly. */
function scorerWith(shadow: ServedModel | undefined): { scorer: ShadowScorer; metrics: MetricsService; lines: string[] } {
  const logger = new AppLogger({ level: 'info', serviceName: 'test', serviceVersion: '0' });
  const metrics = new MetricsService();
  const shadowModels = { current: () => shadow } as unknown as ShadowModelService;
  const secrets = { current: () => ({ logHashKey: 'shadow-key' }) } as unknown as SecretsService;
  return { scorer: new ShadowScorer(shadowModels, logger, secrets, metrics), metrics, lines };
}

async function scored(metrics: MetricsService): Promise<number> {
  return (await metrics.registry.getSingleMetric('spam_shadow_predictions_total')!.get()).values.reduce((total, { value }) => total + value, 0);
}

async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await nextTurn();
}

describe('ShadowScorer', () => {
  const production = served('1', 0.5).model;
  const texts = [TINY_SPAM_TEXT, 'see you at lunch', 'call 0800 123 456'];
  const answers = texts.map((text) => production.score(text));

  it('scores after the answer, counts label pairs and logs a disagreement with the text hash only', async () => {
    // The challenger: the same weights with a threshold of 0.9, so "call 0800 123 456" (p ~0.83) is ham for it.
    const { scorer, metrics, lines } = scorerWith(served('2', 0.9));
    scorer.afterAnswer(texts, answers, '1');
    expect(await scored(metrics)).toBe(0);
    await settle();
    const counts = (await metrics.registry.getSingleMetric('spam_shadow_predictions_total')!.get()).values.map(({ labels, value }) => [labels.label, labels.shadow_label, value]);
    expect(counts).toEqual(expect.arrayContaining([['spam', 'spam', 1], ['ham', 'ham', 1], ['spam', 'ham', 1]]));
    const disagreements = lines.map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>).filter((event) => event.event.action === 'shadow-disagreement');
    expect(disagreements).toHaveLength(1);
    expect(disagreements[0].spam).toMatchObject({ label: 'spam', shadow_label: 'ham', model_version: '1', shadow_model_version: '2', text_length: texts[2].length });
    expect(disagreements[0].spam.text_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.join('\n')).not.toContain('0800');
  });

  it('does nothing without a shadow model', async () => {
    const { scorer, metrics } = scorerWith(undefined);
    scorer.afterAnswer(texts, answers, '1');
    await settle();
    expect(await scored(metrics)).toBe(0);
  });

  it(`skips and counts what does not fit the ${SHADOW_MAX_PENDING} waiting messages`, async () => {
    const { scorer, metrics } = scorerWith(served('2', 0.5));
    const many = Array.from({ length: SHADOW_MAX_PENDING }, () => 'see you');
    scorer.afterAnswer(many, many.map(() => answers[1]), '1');
    scorer.afterAnswer(texts, answers, '1');
    expect((await metrics.registry.getSingleMetric('spam_shadow_skipped_total')!.get()).values[0].value).toBe(texts.length);
    while ((await scored(metrics)) < SHADOW_MAX_PENDING) {
      await nextTurn();
    }
  });
});
