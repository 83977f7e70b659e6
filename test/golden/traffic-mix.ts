import { MetricsService } from '../../src/metrics/metrics.service.js';
import { DRIFT_WINDOW_SIZE, ScoreDriftMonitor } from '../../src/prediction/drift/score-drift.monitor.js';
import type { CompiledModel } from '../../src/prediction/scoring/compiled-model.js';

interface LabelledText {
  text: string;
  label: string;
}

/** A small seeded PRNG (mulberry32): the same traffic on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` messages drawn with replacement from `pool`: uniformly (the pool's own mix), or with the given share drawn
 * from its spam-labelled messages (a shifted mix, as in a spam wave).
 */
export function trafficMix(pool: readonly LabelledText[], count: number, seed: number, spamShare?: number): string[] {
  const next = random(seed);
  const spam = pool.filter((entry) => entry.label === 'spam');
  const ham = pool.filter((entry) => entry.label !== 'spam');
  const pick = (from: readonly LabelledText[]): string => from[Math.floor(next() * from.length)].text;
  return Array.from({ length: count }, () => {
    if (spamShare === undefined) return pick(pool);
    return next() < spamShare ? pick(spam) : pick(ham);
  });
}

/** What /metrics would say after the service scored `texts`: the exported `spam_score_psi` and window spam share. */
export async function driftAfter(model: CompiledModel, texts: readonly string[]): Promise<{ psi: number; spamShare: number }> {
  const metrics = new MetricsService();
  const monitor = new ScoreDriftMonitor(metrics);
  for (const text of texts) {
    const { label, spamProbability } = model.score(text);
    monitor.observe(model, spamProbability, label);
  }
  const exposition = (await metrics.exposition()).body;
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition)?.[1]);
  return { psi: value('spam_score_psi'), spamShare: value('spam_score_window_spam_share') };
}

export { DRIFT_WINDOW_SIZE };
