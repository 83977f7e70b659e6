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
 * without its secrets and retries in the background with backoff. Once loaded, Vault secrets are read again every
 * refresh interval, so a value rotated in Vault arrives without a restart. A failed re-read makes the state
 * `unavailable` (the admin API answers 503: a key that may have been rotated away must not keep working) but keeps
 * the last values for the MLflow client, whose server judges them itself. Consumers call current() at use time.
 * Bad Vault settings never get here: loadAppConfig rejects them (exit 78).
 */
export class SecretsService implements OnModuleDestroy {
  private secrets: AppSecrets = {};
  private state: SecretsStatus['state'] = 'unavailable';
  private lastError?: string;
  private retryMs = FIRST_RETRY_MS;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  /** `refreshMs` undefined: read once (environment variables do not change under a running process). */
  constructor(
    private readonly source: SecretsSource,
    private readonly read: () => Promise<AppSecrets>,
    private readonly logger: AppLogger,
    private readonly refreshMs?: number,
  ) {}

  /** Reads once (bounded by the Vault request timeout); on failure returns anyway with retries scheduled. */
  static async start(config: AppConfig, logger: AppLogger, env: Readonly<Record<string, string | undefined>> = process.env): Promise<SecretsService> {
    const vault = config.vault;
    const service = vault
      ? new SecretsService('vault', () => readSecretsFromVault(vault), logger, vault.refreshIntervalSeconds * 1000)
      : new SecretsService('environment', () => Promise.resolve(secretsFromEnvironment(env)), logger);
    await service.refresh();
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

  /** Reads now, then schedules the next read (a refresh after success, a retry with backoff after failure). */
  async refresh(): Promise<void> {
    try {
      const secrets = await this.read();
      if (this.stopped) return;
      const arrived = this.state === 'unavailable' || !sameSecrets(this.secrets, secrets);
      this.secrets = secrets;
      this.state = 'loaded';
      this.lastError = undefined;
      this.retryMs = FIRST_RETRY_MS;
      // One line when secrets arrive or change (a rotation), none for a re-read that finds the same values.
      if (this.source === 'vault' && arrived) {
        this.logger.info('secrets loaded from Vault', { event: { action: 'secrets-load', outcome: 'success' }, spam: { secrets_source: 'vault' } });
      }
      this.schedule(this.refreshMs);
    } catch (error) {
      if (this.stopped) return;
      this.state = 'unavailable';
      // Message only (errorFields too): readSecretsFromVault already dropped node-vault's request options and token.
      this.lastError = error instanceof Error ? error.message : String(error);
      // Backoff, but never longer than a refresh would wait: a Vault that comes back is picked up as fast as a rotation.
      const cap = Math.min(MAX_RETRY_MS, this.refreshMs ?? MAX_RETRY_MS);
      const delay = Math.min(this.retryMs, cap);
      this.retryMs = Math.min(this.retryMs * 2, cap);
      this.logger.warn('secrets unavailable from Vault; admin API and MLflow auth degraded, retrying', {
        event: { action: 'secrets-load', outcome: 'failure' },
        spam: { secrets_source: this.source, retry_in_seconds: delay / 1000 },
        ...errorFields(error),
      });
      this.schedule(delay);
    }
  }

  private schedule(delayMs: number | undefined): void {
    if (delayMs === undefined) return;
    this.timer = setTimeout(() => void this.refresh(), delayMs);
    // A pending read must not keep a stopping process alive.
    this.timer.unref();
  }
}

function sameSecrets(a: Readonly<AppSecrets>, b: Readonly<AppSecrets>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof AppSecrets)[]);
  return [...keys].every((key) => a[key] === b[key]);
}
