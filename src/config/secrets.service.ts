import type { OnModuleDestroy } from '@nestjs/common';
import { type AppLogger, errorFields } from '../logging/app-logger.js';
import type { AppConfig } from './app-config.js';
import { type AppSecrets, type SecretsSource, readSecretsFromVault, secretsFromEnvironment } from './app-secrets.js';

export interface SecretsStatus {
  source: SecretsSource;
  state: 'loaded' | 'unavailable';
  lastError?: string;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

/**
 * The current secrets. A Vault that is down or refusing at start-up must not crash-loop the pod: the service starts
 * without its secrets and retries in the background with backoff. Consumers call current() at use time, so they pick
 * the secrets up once a retry succeeds. Bad Vault settings never get here: loadAppConfig rejects them (exit 78).
 */
export class SecretsService implements OnModuleDestroy {
  private secrets: AppSecrets = {};
  private state: SecretsStatus['state'] = 'unavailable';
  private lastError?: string;
  private retryMs = FIRST_RETRY_MS;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    private readonly source: SecretsSource,
    private readonly read: () => Promise<AppSecrets>,
    private readonly logger: AppLogger,
  ) {}

  /** Reads once (bounded by the Vault request timeout); on failure returns anyway with retries scheduled. */
  static async start(config: AppConfig, logger: AppLogger, env: Readonly<Record<string, string | undefined>> = process.env): Promise<SecretsService> {
    const vault = config.vault;
    const service = vault
      ? new SecretsService('vault', () => readSecretsFromVault(vault), logger)
      : new SecretsService('environment', () => Promise.resolve(secretsFromEnvironment(env)), logger);
    await service.attempt();
    return service;
  }

  current(): Readonly<AppSecrets> {
    return this.secrets;
  }

  status(): SecretsStatus {
    return { source: this.source, state: this.state, ...(this.lastError === undefined ? {} : { lastError: this.lastError }) };
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    try {
      const secrets = await this.read();
      if (this.stopped) return;
      this.secrets = secrets;
      this.state = 'loaded';
      this.lastError = undefined;
      if (this.source === 'vault') {
        this.logger.info('secrets loaded from Vault', { event: { action: 'secrets-load', outcome: 'success' }, spam: { secrets_source: 'vault' } });
      }
    } catch (error) {
      if (this.stopped) return;
      // Message only (errorFields too): readSecretsFromVault already dropped node-vault's request options and token.
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn('secrets unavailable from Vault; admin API and MLflow auth degraded, retrying', {
        event: { action: 'secrets-load', outcome: 'failure' },
        spam: { secrets_source: this.source, retry_in_seconds: this.retryMs / 1000 },
        ...errorFields(error),
      });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.timer = setTimeout(() => void this.attempt(), delay);
    // A pending retry must not keep a stopping process alive.
    this.timer.unref();
  }
}
