import { setImmediate as nextTurn } from 'node:timers/promises';
import { Injectable, PayloadTooLargeException, ServiceUnavailableException } from '@nestjs/common';
import { SecretsService } from '../config/secrets.service.js';
import { AppLogger } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelRegistryService } from '../model-registry/model-registry.service.js';
import type { ServedModel } from '../model-registry/served-model.js';
import { MAX_REQUEST_CHARACTERS } from './dto/message-text.js';
import { ScoreDriftMonitor } from './drift/score-drift.monitor.js';
import type { Prediction } from './scoring/compiled-model.js';
import { type Explanation, explain } from './scoring/explain.js';
import { predictionEventJson } from './prediction-event.js';
import { ShadowScorer } from './shadow-scorer.js';
import { TextFingerprint } from './text-fingerprint.js';

/**
 * Scoring runs on the one event-loop thread that also answers /health/live: after this much scoring in one go, a
 * batch yields (setImmediate) so pending I/O is served between messages. One message costs at most a few
 * milliseconds by the input limits; an ordinary batch of 100 (~2 ms) never yields.
 */
export const SCORING_SLICE_MS = 5;

/** Refuses a request whose messages together exceed the per-request character budget (413, docs/api.md). */
export function checkRequestBudget(texts: readonly string[]): void {
  let characters = 0;
  for (const text of texts) characters += text.length;
  if (characters > MAX_REQUEST_CHARACTERS) {
    throw new PayloadTooLargeException(
      `the messages of one request may hold at most ${MAX_REQUEST_CHARACTERS} characters together; got ${characters}: split the batch`,
    );
  }
}

/** A prediction, with its explanation when the request asked for one (`explain: true`). */
export type ExplainedPrediction = Prediction & { explanation?: Explanation };

export interface BatchPrediction {
  predictions: ExplainedPrediction[];
  modelVersion: string;
}

@Injectable()
export class PredictionService {
  private readonly fingerprint = new TextFingerprint();

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly metrics: MetricsService,
    private readonly logger: AppLogger,
    private readonly secrets: SecretsService,
    private readonly drift: ScoreDriftMonitor,
    private readonly shadow: ShadowScorer,
  ) {}

  /**
   * Scores every text with one model snapshot, so a hot swap mid-batch cannot mix two versions in one answer, and
   * gives the event loop back every SCORING_SLICE_MS (each score() call itself stays synchronous).
   */
  async predict(texts: readonly string[], withExplanations = false): Promise<BatchPrediction> {
    checkRequestBudget(texts);
    const served = this.servedModel();
    const modelVersion = served.descriptor.version;
    // With LOG_LEVEL above info the events would be dropped: skip hashing and building them (hot path).
    const logPredictions = this.logger.isInfoEnabled();
    const logHashKey = this.secrets.current().logHashKey;
    const modelVersionJson = JSON.stringify(modelVersion);
    const predictions: ExplainedPrediction[] = [];
    let sliceStarted = performance.now();
    for (const text of texts) {
      if (performance.now() - sliceStarted >= SCORING_SLICE_MS) {
        await nextTurn();
        sliceStarted = performance.now();
      }
      const { label, spamProbability } = served.model.score(text);
      this.drift.observe(served.model, spamProbability, label);
      // The message itself is never logged: its length and keyed fingerprint let a report be traced without storing
      // content (docs/logging.md).
      if (logPredictions) {
        const event = { label, probability: spamProbability, modelVersionJson, textLength: text.length, textHmac: this.fingerprint.of(text, logHashKey) };
        this.logger.infoJson('prediction', predictionEventJson(event));
      }
      // The explanation quotes features of the text: it goes to the client only, never into a log.
      predictions.push(withExplanations ? { label, spamProbability, explanation: explain(served.model, text) } : { label, spamProbability });
    }
    this.metrics.observePredictions(modelVersion, predictions);
    this.shadow.afterAnswer(texts, predictions, modelVersion);
    return { predictions, modelVersion };
  }

  private servedModel(): ServedModel {
    const served = this.registry.current();
    if (!served) throw new ServiceUnavailableException('no model loaded yet; see GET /health/ready');
    return served;
  }
}
