import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.tokens.js';
import { SecretsService } from '../config/secrets.service.js';
import { AppLogger, errorFields } from '../logging/app-logger.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CompiledModel } from '../prediction/scoring/compiled-model.js';
import { ModelValidationError, ModelValidator } from '../prediction/scoring/model-validation.js';
import { GOLDEN_FILE, checkGolden } from './golden-check.js';
import { ModelCache } from './model-cache.js';
import { loadModelFile, sha256Of } from './model-loader.js';
import { MlflowClient, type MlflowModelVersion, gateVerdictProblem } from './mlflow-client.js';
import type { ModelDescriptor, ModelOrigin, ServedModel } from './served-model.js';

/** What one check for a new model did: `swapped` to a new one, found it `unchanged`, `refused` it, or could not check. */
export interface ReloadOutcome {
  result: 'swapped' | 'unchanged' | 'refused' | 'unavailable';
  version?: string;
  message: string;
}

/** The legacy MLflow stage an alias stands for on registries that predate aliases (MLflow < 2.9); others have none. */
const LEGACY_STAGE_OF_ALIAS: Readonly<Record<string, string>> = { production: 'Production', staging: 'Staging' };

/**
 * The golden file offered with a model: its bytes, or absent. `required`: a registry version must carry one (the
 * training CLI always logs it); a MODEL_SOURCE file may come without one (development), then parity is not checked.
 */
interface GoldenOffer {
  bytes?: Buffer;
  required: boolean;
}
const FIRST_RETRY_SECONDS = 1;

/**
 * Owns the served model: the first load (registry, else cache, else keep retrying with backoff), polling for a new
 * version behind the alias, and the validated atomic swap. A model that fails validation never replaces a working one.
 */
@Injectable()
export class ModelRegistryService implements OnApplicationBootstrap, OnModuleDestroy {
  private served?: ServedModel;
  private readonly mlflow?: MlflowClient;
  private readonly cache: ModelCache;
  /** A version whose artifact was invalid: not downloaded again until the alias moves on. */
  private refusedVersion?: string;
  /** Content (model.json and golden.json hashes) that was refused: a file source polls the same bytes again, and
   * refusing them is deterministic. */
  private refusedContent?: string;
  /** A version refused for its gate tags: not logged again on every poll (the tags may still change). */
  private tagRefusedVersion?: string;
  private inFlightCheck?: Promise<ReloadOutcome>;
  private timer?: NodeJS.Timeout;
  private retrySeconds = FIRST_RETRY_SECONDS;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    secrets: SecretsService,
    private readonly validator: ModelValidator,
    private readonly logger: AppLogger,
    private readonly metrics: MetricsService,
  ) {
    if (config.mlflowTrackingUri) this.mlflow = new MlflowClient(config.mlflowTrackingUri, () => secrets.current());
    this.cache = new ModelCache(config.modelCacheDir);
  }

  current(): ServedModel | undefined {
    return this.served;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.modelSource.kind === 'file') {
      // A file source is a development or test set-up: a bad path is a configuration error, so fail the start.
      const outcome = await this.checkForUpdate();
      if (!this.served) throw new Error(`cannot load MODEL_SOURCE file: ${outcome.message}`);
      this.schedule(this.config.modelPollIntervalSeconds);
      return;
    }
    // Not awaited: the HTTP server comes up at once and reports not-ready until a model is loaded.
    void this.firstRegistryLoad();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Checks the source for a new model now (polling and POST /api/v1/model/reload); concurrent calls share one check. */
  checkForUpdate(): Promise<ReloadOutcome> {
    this.inFlightCheck ??= this.runCheck().finally(() => {
      this.inFlightCheck = undefined;
    });
    return this.inFlightCheck;
  }

  private async firstRegistryLoad(): Promise<void> {
    await this.checkForUpdate();
    // Registry down, empty, or its production model refused: the last good model beats no model.
    if (!this.served) await this.loadFromCache();
    if (this.served) {
      this.schedule(this.config.modelPollIntervalSeconds);
    } else {
      this.logger.error('no model to serve yet; retrying', {
        event: { action: 'model-load', outcome: 'failure' },
        spam: { retry_in_seconds: this.retrySeconds },
      });
      this.scheduleFirstLoadRetry();
    }
  }

  private scheduleFirstLoadRetry(): void {
    if (this.stopped) return;
    const delay = this.retrySeconds;
    this.retrySeconds = Math.min(this.retrySeconds * 2, Math.max(this.config.modelPollIntervalSeconds, FIRST_RETRY_SECONDS));
    this.timer = setTimeout(() => void this.firstRegistryLoad(), delay * 1000);
    this.timer.unref();
  }

  private schedule(seconds: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.checkForUpdate().finally(() => {
        this.schedule(this.config.modelPollIntervalSeconds);
      });
    }, seconds * 1000);
    this.timer.unref();
  }

  private async runCheck(): Promise<ReloadOutcome> {
    try {
      return this.config.modelSource.kind === 'file'
        ? await this.checkFile(this.config.modelSource.path)
        : await this.checkRegistry();
    } catch (error) {
      this.logger.warn('model source unavailable; the served model is unchanged', {
        event: { action: 'model-check', outcome: 'failure' },
        ...errorFields(error),
      });
      return { result: 'unavailable', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async checkFile(path: string): Promise<ReloadOutcome> {
    const bytes = await readFile(path);
    const golden = await readFile(join(dirname(path), GOLDEN_FILE)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    return this.offer(bytes, 'file', { bytes: golden, required: false });
  }

  private async checkRegistry(): Promise<ReloadOutcome> {
    const mlflow = this.requireMlflow();
    const { modelName, modelAlias } = this.config;
    const legacyStage = LEGACY_STAGE_OF_ALIAS[modelAlias];
    const version =
      (await mlflow.getModelVersionByAlias(modelName, modelAlias)) ??
      (legacyStage ? await mlflow.getLatestVersionInStage(modelName, legacyStage) : undefined);
    if (!version) {
      const stage = legacyStage ? ` nor in stage ${legacyStage}` : '';
      return { result: 'unavailable', message: `${modelName} has no version with alias "${modelAlias}"${stage}` };
    }
    if (this.served && this.served.descriptor.name === modelName && this.served.descriptor.version === version.version) {
      return { result: 'unchanged', version: version.version, message: `version ${version.version} is already served` };
    }
    if (this.refusedVersion === version.version) {
      return { result: 'refused', version: version.version, message: `version ${version.version} was refused before` };
    }
    const tagProblem = gateVerdictProblem(version);
    if (tagProblem) {
      // Not remembered as refused: tags are written around the alias move and may arrive on the next poll.
      if (this.tagRefusedVersion !== version.version) this.logRefusal(new ModelValidationError([tagProblem]), version.version);
      this.tagRefusedVersion = version.version;
      return { result: 'refused', version: version.version, message: tagProblem };
    }
    const { bytes, golden } = await mlflow.downloadModelAndGolden(version);
    return this.offer(bytes, 'mlflow', { bytes: golden, required: true }, version);
  }

  private async loadFromCache(): Promise<void> {
    try {
      const cached = await this.cache.load();
      // A registry check (a reload request) may have swapped a newer model in while the cache was being read.
      if (!cached || this.served) return;
      const loaded = loadModelFile(cached.bytes, this.validator);
      if (loaded.sha256 !== cached.descriptor.sha256) throw new ModelValidationError(['cached model.json does not match its descriptor']);
      this.swap({ model: loaded.model, descriptor: cached.descriptor, source: 'cache', loadedAt: new Date().toISOString() });
    } catch (error) {
      this.logger.error('cached model unusable', { event: { action: 'model-load', outcome: 'failure' }, ...errorFields(error) });
    }
  }

  /**
   * Validates candidate bytes, checks they reproduce their golden file and swaps them in, or refuses them and keeps
   * the served model. Bytes equal to the served ones under a new registry version only re-describe the served model.
   */
  private async offer(bytes: Buffer, source: ModelOrigin, golden: GoldenOffer, registryVersion?: MlflowModelVersion): Promise<ReloadOutcome> {
    // Hash first: parsing, validating and compiling a model blocks the event loop, so unchanged or already refused
    // content (every poll of an unchanged file) must not pay for it.
    const sha256 = sha256Of(bytes);
    const served = this.served;
    const sameBytes = served?.descriptor.sha256 === sha256 && served.source === source;
    if (sameBytes && (!registryVersion || registryVersion.version === served.descriptor.version)) {
      return { result: 'unchanged', version: served.descriptor.version, message: 'model content unchanged' };
    }
    const content = `${sha256}/${golden.bytes ? sha256Of(golden.bytes) : 'no-golden'}`;
    if (this.refusedContent === content && !registryVersion) {
      return { result: 'refused', message: 'this model.json was refused before' };
    }
    let model: CompiledModel;
    try {
      model = sameBytes ? served.model : loadModelFile(bytes, this.validator, sha256).model;
      if (golden.bytes) checkGolden(model, sha256, golden.bytes);
      else if (golden.required) {
        throw new ModelValidationError([`no ${GOLDEN_FILE} next to model.json: a registry version must carry the golden file the training CLI logs`]);
      }
    } catch (error) {
      if (!(error instanceof ModelValidationError)) throw error;
      this.refusedVersion = registryVersion?.version;
      this.refusedContent = content;
      this.logRefusal(error, registryVersion?.version);
      return { result: 'refused', version: registryVersion?.version, message: error.message };
    }
    const descriptor = describeModel(model, sha256, this.config.modelAlias, registryVersion);
    this.swap({ model, descriptor, source, loadedAt: new Date().toISOString() });
    if (source === 'mlflow') {
      await this.cache.save({ bytes, descriptor }).catch((error: unknown) => {
        this.logger.warn('cannot write the model cache', { event: { action: 'model-cache' }, ...errorFields(error) });
      });
    }
    return { result: 'swapped', version: descriptor.version, message: `now serving version ${descriptor.version}` };
  }

  private logRefusal(error: ModelValidationError, version: string | undefined): void {
    this.metrics.countModelReload('failure');
    this.logger.error('new model refused; the served model is unchanged', {
      event: { action: 'model-swap', outcome: 'failure' },
      spam: { model_version: version, served_model_version: this.served?.descriptor.version },
      ...errorFields(error),
    });
  }

  private swap(next: ServedModel): void {
    const previous = this.served?.descriptor.version;
    this.served = next;
    this.retrySeconds = FIRST_RETRY_SECONDS;
    this.metrics.setServedModel(next.descriptor.name, next.descriptor.version, next.source);
    this.metrics.countModelReload('success');
    this.logger.info(`serving ${next.descriptor.name} version ${next.descriptor.version} from ${next.source}`, {
      event: { action: 'model-swap', outcome: 'success' },
      spam: { model_version: next.descriptor.version, previous_model_version: previous, model_source: next.source },
    });
  }

  private requireMlflow(): MlflowClient {
    if (!this.mlflow) throw new Error('MLFLOW_TRACKING_URI is not set');
    return this.mlflow;
  }
}

/** Registry identity when the model came from MLflow; a file has no version, so its content hash stands in. */
function describeModel(model: CompiledModel, sha256: string, alias: string, registryVersion?: MlflowModelVersion): ModelDescriptor {
  const metadata = model.metadata;
  return {
    name: registryVersion?.name ?? metadata.model_name,
    version: registryVersion?.version ?? `file-${sha256.slice(0, 12)}`,
    alias: registryVersion?.aliases?.includes(alias) ? alias : undefined,
    runId: registryVersion?.run_id ?? metadata.run_id,
    candidate: metadata.candidate,
    trainedAt: metadata.trained_at,
    metrics: metadata.metrics,
    sha256,
  };
}
