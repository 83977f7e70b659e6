import { hash } from 'node:crypto';
import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { AppLogger } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelRegistryService } from '../model-registry/model-registry.service.js';
import type { ServedModel } from '../model-registry/served-model.js';
import type { Prediction } from './scoring/compiled-model.js';

export interface BatchPrediction {
  predictions: Prediction[];
  modelVersion: string;
}

@Injectable()
export class PredictionService {
  constructor(
    private readonly registry: ModelRegistryService,
    private readonly metrics: MetricsService,
    private readonly logger: AppLogger,
  ) {}

  /** Scores every text with one model snapshot, so a hot swap mid-batch cannot mix two versions in one answer. */
  predict(texts: readonly string[]): BatchPrediction {
    const served = this.servedModel();
    const modelVersion = served.descriptor.version;
    // With LOG_LEVEL above info the events would be dropped: skip hashing and building them (hot path).
    const logPredictions = this.logger.isInfoEnabled();
    const predictions = texts.map((text) => {
      const { label, spamProbability } = served.model.score(text);
      this.metrics.observePrediction(label, modelVersion, spamProbability);
      // The message itself is never logged: its length and hash let a report be traced without storing content.
      // crypto.hash is the one-shot form: no Hash object per message (a batch hashes 100).
      if (logPredictions) {
        this.logger.info('prediction', {
          event: { action: 'prediction', kind: 'event' },
          spam: {
            label,
            probability: spamProbability,
            model_version: modelVersion,
            text_length: text.length,
            text_sha256: hash('sha256', text, 'hex'),
          },
        });
      }
      return { label, spamProbability };
    });
    return { predictions, modelVersion };
  }

  private servedModel(): ServedModel {
    const served = this.registry.current();
    if (!served) throw new ServiceUnavailableException('no model loaded yet; see GET /health/ready');
    return served;
  }
}
