import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ModelReloadResult = 'success' | 'failure';

/**
 * Prometheus metrics of one app instance (docs/metrics.md is the contract). Each instance owns its registry, so
 * several apps in one test process never collide on metric names.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly predictions = new Counter({
    name: 'spam_predictions_total',
    help: 'Messages scored, by predicted label and model version',
    labelNames: ['label', 'model_version'] as const,
    registers: [this.registry],
  });

  private readonly probability = new Histogram({
    name: 'spam_probability',
    help: 'Distribution of the predicted spam probability',
    buckets: [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
    registers: [this.registry],
  });

  private readonly modelInfo = new Gauge({
    name: 'model_info',
    help: 'The model being served (value 1), by registered name, version and source (mlflow, cache, file)',
    labelNames: ['name', 'version', 'source'] as const,
    registers: [this.registry],
  });

  private readonly modelReloads = new Counter({
    name: 'model_reload_total',
    help: 'Attempts to load a new model version, by result (success, failure)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.modelReloads.inc({ result: 'success' }, 0);
    this.modelReloads.inc({ result: 'failure' }, 0);
  }

  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /**
   * One request's predictions. The counter is increased once per label, not once per message: a labelled inc hashes
   * and validates its labels, half a microsecond that a batch of 100 paid a hundred times.
   */
  observePredictions(modelVersion: string, predictions: ReadonlyArray<{ label: string; spamProbability: number }>): void {
    const perLabel = new Map<string, number>();
    for (const { label, spamProbability } of predictions) {
      perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
      this.probability.observe(spamProbability);
    }
    for (const [label, count] of perLabel) this.predictions.inc({ label, model_version: modelVersion }, count);
  }

  setServedModel(name: string, version: string, source: string): void {
    this.modelInfo.reset();
    this.modelInfo.set({ name, version, source }, 1);
  }

  countModelReload(result: ModelReloadResult): void {
    this.modelReloads.inc({ result });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
