import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.tokens.js';
import { SecretsService } from '../config/secrets.service.js';
import { AppLogger, errorFields } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ModelValidationError, ModelValidator } from '../prediction/scoring/model-validation.js';
import { GOLDEN_FILE, checkGolden } from './golden-check.js';
import { loadModelFile } from './model-loader.js';
import { MlflowClient, type MlflowModelVersion, gateVerdictProblem } from './mlflow-client.js';
import type { ServedModel } from './served-model.js';

/** The tag the training gate writes on every version it judges (training/registry.py TAG_FLOORS). */
export const GATE_FLOORS_TAG = 'gate.floors';

/**
 * Why a version may not be scored in shadow, or undefined when it may: it passed the quality floors (the gate's
 * `challenger` verdict), or it may serve production anyway. A shadow model never answers a client, but its figures
 * decide a promotion, so a version that failed the floors or never met the gate is not worth the CPU.
 */
export function shadowVerdictProblem(version: MlflowModelVersion): string | undefined {
  const floors = version.tags?.find((tag) => tag.key === GATE_FLOORS_TAG)?.value;
  if (floors === 'passed' || gateVerdictProblem(version) === undefined) return undefined;
  return `version ${version.version} has ${GATE_FLOORS_TAG}=${floors ?? '(none)'}: only a version that passed the gate's floors is scored in shadow`;
}

export type ShadowOutcome = 'swapped' | 'unchanged' | 'refused' | 'absent' | 'unavailable';

/**
 * The shadow model behind MODEL_SHADOW_ALIAS: resolved, validated (schema, smoke test, golden.json) and hot-swapped
 * exactly like the served model, with its own poll and its own reference. Its absence is normal: no alias, no shadow,
 * and the service answers as without one. It never falls back to a cache: a stale challenger is worse than none.
 */
@Injectable()
export class ShadowModelService implements OnApplicationBootstrap, OnModuleDestroy {
  private shadow?: ServedModel;
  private readonly mlflow?: MlflowClient;
  private readonly alias?: string;
  /** A version refused for its artifacts or tags: not downloaded or logged again until the alias moves. */
  private refusedVersion?: string;
  private inFlight?: Promise<ShadowOutcome>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly info: Gauge<'name' | 'version'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    secrets: SecretsService,
    private readonly validator: ModelValidator,
    private readonly logger: AppLogger,
    metrics: MetricsService,
  ) {
    this.alias = config.modelShadowAlias;
    if (this.alias && config.mlflowTrackingUri) this.mlflow = new MlflowClient(config.mlflowTrackingUri, () => secrets.current());
    this.info = new Gauge({
      name: 'spam_shadow_model_info',
      help: 'The shadow (challenger) model scored after each answer (value 1), by registered name and version; no series without one',
      labelNames: ['name', 'version'] as const,
      registers: [metrics.registry],
    });
  }

  current(): ServedModel | undefined {
    return this.shadow;
  }

  onApplicationBootstrap(): void {
    if (!this.mlflow) return;
    // Not awaited: the shadow never delays the start or readiness.
    void this.checkForUpdate().finally(() => {
      this.schedule();
    });
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Resolves the alias now; concurrent calls share one check. */
  checkForUpdate(): Promise<ShadowOutcome> {
    if (!this.mlflow || !this.alias) return Promise.resolve('absent');
    const [mlflow, alias] = [this.mlflow, this.alias];
    this.inFlight ??= this.check(mlflow, alias).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkForUpdate().finally(() => {
        this.schedule();
      });
    }, this.config.modelPollIntervalSeconds * 1000);
    this.timer.unref();
  }

  private async check(mlflow: MlflowClient, alias: string): Promise<ShadowOutcome> {
    try {
      const version = await mlflow.getModelVersionByAlias(this.config.modelName, alias);
      if (!version) {
        if (this.shadow) this.drop(`alias "${alias}" no longer exists`);
        return 'absent';
      }
      if (this.shadow?.descriptor.version === version.version) return 'unchanged';
      if (this.refusedVersion === version.version) return 'refused';
      const tagProblem = shadowVerdictProblem(version);
      if (tagProblem) return this.refuse(new ModelValidationError([tagProblem]), version.version);
      const { bytes, golden } = await mlflow.downloadModelAndGolden(version);
      try {
        if (!golden) throw new ModelValidationError([`no ${GOLDEN_FILE} next to model.json`]);
        const loaded = loadModelFile(bytes, this.validator);
        checkGolden(loaded.model, loaded.sha256, golden);
        this.swap(version, loaded.model, loaded.sha256);
        return 'swapped';
      } catch (error) {
        if (error instanceof ModelValidationError) return this.refuse(error, version.version);
        throw error;
      }
    } catch (error) {
      // The registry is away or answered nonsense: keep the shadow model there is (or none) and ask again next poll.
      this.logger.warn('shadow model source unavailable; the shadow model is unchanged', {
        event: { action: 'shadow-check', outcome: 'failure' },
        ...errorFields(error),
      });
      return 'unavailable';
    }
  }

  private swap(version: MlflowModelVersion, model: ServedModel['model'], sha256: string): void {
    const previous = this.shadow?.descriptor.version;
    const metadata = model.metadata;
    this.shadow = {
      model,
      descriptor: {
        name: version.name,
        version: version.version,
        alias: this.alias,
        runId: version.run_id ?? metadata.run_id,
        candidate: metadata.candidate,
        trainedAt: metadata.trained_at,
        metrics: metadata.metrics,
        sha256,
      },
      source: 'mlflow',
      loadedAt: new Date().toISOString(),
    };
    this.refusedVersion = undefined;
    this.info.reset();
    this.info.set({ name: version.name, version: version.version }, 1);
    this.logger.info(`shadow-scoring ${version.name} version ${version.version} (alias ${this.alias})`, {
      event: { action: 'shadow-swap', outcome: 'success' },
      spam: { shadow_model_version: version.version, previous_shadow_model_version: previous },
    });
  }

  private drop(reason: string): void {
    const previous = this.shadow?.descriptor.version;
    this.shadow = undefined;
    this.info.reset();
    this.logger.info(`shadow scoring stopped: ${reason}`, {
      event: { action: 'shadow-swap', outcome: 'success' },
      spam: { previous_shadow_model_version: previous },
    });
  }

  private refuse(error: ModelValidationError, version: string): ShadowOutcome {
    this.refusedVersion = version;
    this.logger.error('shadow model refused; the shadow model is unchanged', {
      event: { action: 'shadow-swap', outcome: 'failure' },
      spam: { shadow_model_version: version, previous_shadow_model_version: this.shadow?.descriptor.version },
      ...errorFields(error),
    });
    return 'refused';
  }
}
