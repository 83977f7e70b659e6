import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { SecretsService } from '../config/secrets.service.js';
import { AppLogger } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ShadowModelService } from '../model-registry/shadow-model.service.js';
import type { ServedModel } from '../model-registry/served-model.js';
import { DRIFT_WINDOW_SIZE } from './drift/score-drift.monitor.js';
import { ScoreWindow } from './drift/score-window.js';
import type { Prediction } from './scoring/compiled-model.js';
import { TextFingerprint } from './text-fingerprint.js';

/** Messages waiting for the shadow model at most; beyond it new ones are skipped (counted), never queued unbounded. */
export const SHADOW_MAX_PENDING = 2_000;
/** The shadow gives the event loop back this often, like a batch on the response path (SCORING_SLICE_MS). */
const SHADOW_SLICE_MS = 5;

interface ShadowJob {
  shadow: ServedModel;
  texts: readonly string[];
  predictions: readonly Prediction[];
  servedVersion: string;
  /** Index of the next message to score. */
  next: number;
}

/**
 * Scores every answered message again with the shadow (challenger) model, after the answer: work is queued with
 * setImmediate, which runs once the response has been written, and never changes what the client got. Exports how
 * often the two models agree, by label pair, and the shadow's spam share; logs a disagreement with the keyed text
 * fingerprint only (docs/logging.md).
 */
@Injectable()
export class ShadowScorer {
  private readonly queue: ShadowJob[] = [];
  private pending = 0;
  private draining = false;
  private window = new ScoreWindow(DRIFT_WINDOW_SIZE, 10);
  private windowModel?: ServedModel['model'];
  private readonly fingerprint = new TextFingerprint();
  private readonly agreement: Counter<'label' | 'shadow_label'>;
  private readonly skipped: Counter;

  constructor(
    private readonly shadowModels: ShadowModelService,
    private readonly logger: AppLogger,
    private readonly secrets: SecretsService,
    metrics: MetricsService,
  ) {
    this.agreement = new Counter({
      name: 'spam_shadow_predictions_total',
      help: 'Messages scored by the shadow model after the answer, by served label and shadow label',
      labelNames: ['label', 'shadow_label'] as const,
      registers: [metrics.registry],
    });
    // All four pairs exist from the start at 0 (labels are ["ham", "spam"] by the schema), so rate() and the
    // dashboards answer 0 rather than nothing before the first disagreement or without a shadow model.
    for (const label of ['ham', 'spam']) for (const shadowLabel of ['ham', 'spam']) this.agreement.inc({ label, shadow_label: shadowLabel }, 0);
    this.skipped = new Counter({
      name: 'spam_shadow_skipped_total',
      help: `Messages not scored in shadow because ${SHADOW_MAX_PENDING} were already waiting`,
      registers: [metrics.registry],
    });
    const spamShare = (): number => this.window.spamShare();
    new Gauge({
      name: 'spam_shadow_window_spam_share',
      help: `Share of the shadow model's last ${DRIFT_WINDOW_SIZE} predictions labelled spam (NaN while empty)`,
      registers: [metrics.registry],
      collect() {
        this.set(spamShare());
      },
    });
  }

  /** Called once the served model has answered; returns at once. */
  afterAnswer(texts: readonly string[], predictions: readonly Prediction[], servedVersion: string): void {
    const shadow = this.shadowModels.current();
    if (!shadow) return;
    if (this.pending + texts.length > SHADOW_MAX_PENDING) {
      this.skipped.inc(texts.length);
      return;
    }
    this.pending += texts.length;
    this.queue.push({ shadow, texts, predictions, servedVersion, next: 0 });
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => {
        this.drain();
      });
    }
  }

  /** Scores queued messages for one time slice, then yields to pending I/O (requests first) and continues. */
  private drain(): void {
    const started = performance.now();
    const logDisagreements = this.logger.isInfoEnabled();
    while (this.queue.length > 0 && performance.now() - started < SHADOW_SLICE_MS) {
      const job = this.queue[0];
      this.scoreOne(job, job.next++, logDisagreements);
      this.pending--;
      if (job.next === job.texts.length) this.queue.shift();
    }
    if (this.queue.length > 0) {
      setImmediate(() => {
        this.drain();
      });
    } else {
      this.draining = false;
    }
  }

  private scoreOne(job: ShadowJob, index: number, logDisagreements: boolean): void {
    const { model, descriptor } = job.shadow;
    if (model !== this.windowModel) {
      this.windowModel = model;
      this.window = new ScoreWindow(DRIFT_WINDOW_SIZE, 10);
    }
    const text = job.texts[index];
    const served = job.predictions[index];
    const shadow = model.score(text);
    this.agreement.inc({ label: served.label, shadow_label: shadow.label });
    this.window.add(shadow.spamProbability, shadow.label === model.labels[1]);
    if (logDisagreements && shadow.label !== served.label) {
      this.logger.info('shadow disagreement', {
        event: { action: 'shadow-disagreement', kind: 'event' },
        spam: {
          label: served.label,
          probability: served.spamProbability,
          model_version: job.servedVersion,
          shadow_label: shadow.label,
          shadow_probability: shadow.spamProbability,
          shadow_model_version: descriptor.version,
          text_length: text.length,
          text_hmac: this.fingerprint.of(text, this.secrets.current().logHashKey),
        },
      });
    }
  }
}
