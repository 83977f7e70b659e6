import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { CompiledModel } from '../scoring/compiled-model.js';
import { ScoreWindow, populationStabilityIndex } from './score-window.js';

/** The sliding window: the service's last 1,000 predictions (docs/metrics.md). */
export const DRIFT_WINDOW_SIZE = 1_000;
/** Below this many predictions in the window the PSI is mostly sampling noise: the gauge reads NaN. */
export const DRIFT_MIN_PREDICTIONS = 200;
/** Bins of the window when the served model has no reference (older models): only the spam share is exported. */
const DEFAULT_BINS = 10;

/**
 * Compares the served model's recent spam probabilities with the distribution training saw on its hold-out
 * (`metadata.score_reference` of model.json) as a population stability index. The window belongs to one model: a
 * swap starts it afresh, since the old model's probabilities say nothing about the new one's reference.
 */
@Injectable()
export class ScoreDriftMonitor {
  private model?: CompiledModel;
  private window = new ScoreWindow(DRIFT_WINDOW_SIZE, DEFAULT_BINS);

  constructor(metrics: MetricsService) {
    // Computed at scrape time, not per prediction: the hot path only adds to the window.
    const psi = (): number => this.psi();
    const spamShare = (): number => this.window.spamShare();
    new Gauge({
      name: 'spam_score_psi',
      help: `Population stability index of the last ${DRIFT_WINDOW_SIZE} spam probabilities against the served model's hold-out reference (NaN below ${DRIFT_MIN_PREDICTIONS} predictions or without a reference)`,
      registers: [metrics.registry],
      collect() {
        this.set(psi());
      },
    });
    new Gauge({
      name: 'spam_score_window_spam_share',
      help: `Share of the last ${DRIFT_WINDOW_SIZE} predictions labelled spam (NaN while empty)`,
      registers: [metrics.registry],
      collect() {
        this.set(spamShare());
      },
    });
  }

  observe(model: CompiledModel, spamProbability: number, label: string): void {
    if (model !== this.model) {
      this.model = model;
      this.window = new ScoreWindow(DRIFT_WINDOW_SIZE, model.metadata.score_reference?.bins ?? DEFAULT_BINS);
    }
    this.window.add(spamProbability, label === model.labels[1]);
  }

  /** PSI of the window against the served model's reference; NaN when there is too little to compare. */
  psi(): number {
    const reference = this.model?.metadata.score_reference;
    if (!reference || this.window.size < DRIFT_MIN_PREDICTIONS) return Number.NaN;
    return populationStabilityIndex(reference.proportions, this.window.shares());
  }
}
