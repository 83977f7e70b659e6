import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../app-root.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the served model comes from: the MLflow registry (default) or a local file (development, tests). */
export type ModelSource = { kind: 'registry' } | { kind: 'file'; path: string };

export interface VaultSettings {
  address: string;
  authMethod: 'token' | 'kubernetes';
  token?: string;
  kubernetesRole?: string;
  kubernetesJwtPath: string;
  kubernetesMount: string;
  kvMount: string;
  secretPath: string;
  /** How often loaded secrets are read again, so a value rotated in Vault arrives without a restart. */
  refreshIntervalSeconds: number;
}

/** Every setting of the service; documented in docs/configuration.md. Secrets live in AppSecrets instead. */
export interface AppConfig {
  host: string;
  port: number;
  mlflowTrackingUri?: string;
  modelName: string;
  modelAlias: string;
  /** A second alias scored in shadow after each answer (docs/training.md "Shadow challenger"); unset = off. */
  modelShadowAlias?: string;
  modelSource: ModelSource;
  modelCacheDir: string;
  modelPollIntervalSeconds: number;
  logLevel: LogLevel;
  rateLimitPerMinute: number;
  corsOrigins: string[];
  trustProxy: boolean;
  shutdownDelaySeconds: number;
  appVersion: string;
  gitCommit: string;
  serviceName: string;
  vault?: VaultSettings;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable at a time and collects every problem, so a bad start-up names all bad values at once. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  text(name: string, fallback: string): string {
    const value = this.optional(name);
    return value ?? fallback;
  }

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?[0-9]+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)} must be a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name}=${JSON.stringify(raw)} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name}=${JSON.stringify(raw)} must be true or false`);
    return fallback;
  }

  httpUrl(name: string): string | undefined {
    const raw = this.optional(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (url.username || url.password) {
        // Never echo the value: it holds a secret, and this message reaches stderr and the logs.
        this.problems.push(`${name} must not contain credentials: use the secrets in docs/configuration.md instead`);
        return undefined;
      }
      if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
    } catch {
      // reported below
    }
    this.problems.push(`${name}=${JSON.stringify(raw)} must be an http(s) URL`);
    return undefined;
  }
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(APP_ROOT, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

function parseModelSource(reader: EnvReader): ModelSource {
  const raw = reader.optional('MODEL_SOURCE');
  if (raw === undefined || raw === 'mlflow') return { kind: 'registry' };
  if (raw.startsWith('file:') && raw.length > 'file:'.length) return { kind: 'file', path: raw.slice('file:'.length) };
  reader.problems.push(`MODEL_SOURCE=${JSON.stringify(raw)} must be "mlflow" or "file:<path to model.json>"`);
  return { kind: 'registry' };
}

function parseVault(reader: EnvReader): VaultSettings | undefined {
  const address = reader.httpUrl('VAULT_ADDR');
  if (address === undefined) return undefined;
  const authMethod = reader.oneOf('VAULT_AUTH_METHOD', ['token', 'kubernetes'] as const, 'token');
  const settings: VaultSettings = {
    address,
    authMethod,
    token: reader.optional('VAULT_TOKEN'),
    kubernetesRole: reader.optional('VAULT_K8S_ROLE'),
    kubernetesJwtPath: reader.text('VAULT_K8S_JWT_PATH', '/var/run/secrets/kubernetes.io/serviceaccount/token'),
    kubernetesMount: reader.text('VAULT_K8S_MOUNT', 'kubernetes'),
    kvMount: reader.text('VAULT_KV_MOUNT', 'secret'),
    secretPath: reader.text('VAULT_SECRET_PATH', 'spam-classifier'),
    refreshIntervalSeconds: reader.number('VAULT_REFRESH_INTERVAL_SECONDS', 30, 0.1, 86_400),
  };
  if (authMethod === 'token' && settings.token === undefined) {
    reader.problems.push('VAULT_TOKEN is required when VAULT_ADDR is set and VAULT_AUTH_METHOD=token');
  }
  if (authMethod === 'kubernetes' && settings.kubernetesRole === undefined) {
    reader.problems.push('VAULT_K8S_ROLE is required when VAULT_AUTH_METHOD=kubernetes');
  }
  return settings;
}

/** Parses and validates the environment once at start-up; throws ConfigValidationError listing every problem. */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const reader = new EnvReader(env);
  const config: AppConfig = {
    host: reader.text('HOST', '0.0.0.0'),
    port: reader.integer('PORT', 3000, 0, 65535),
    mlflowTrackingUri: reader.httpUrl('MLFLOW_TRACKING_URI'),
    modelName: reader.text('MODEL_NAME', 'spam-classifier'),
    modelAlias: reader.text('MODEL_ALIAS', 'production'),
    modelShadowAlias: reader.optional('MODEL_SHADOW_ALIAS'),
    modelSource: parseModelSource(reader),
    modelCacheDir: reader.text('MODEL_CACHE_DIR', '/tmp/spam-classifier-cache'),
    modelPollIntervalSeconds: reader.number('MODEL_POLL_INTERVAL_SECONDS', 30, 0.1, 86_400),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    rateLimitPerMinute: reader.integer('RATE_LIMIT_PER_MINUTE', 600, 0, 10_000_000),
    corsOrigins: (reader.optional('CORS_ORIGINS') ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    trustProxy: reader.flag('TRUST_PROXY', false),
    shutdownDelaySeconds: reader.number('SHUTDOWN_DELAY_SECONDS', 0, 0, 300),
    appVersion: reader.text('APP_VERSION', packageVersion()),
    gitCommit: reader.text('GIT_COMMIT', 'unknown'),
    serviceName: reader.text('SERVICE_NAME', 'spam-classifier'),
    vault: parseVault(reader),
  };
  if (config.modelSource.kind === 'registry' && config.mlflowTrackingUri === undefined) {
    reader.problems.push('MLFLOW_TRACKING_URI is required unless MODEL_SOURCE=file:<path>');
  }
  if (config.modelShadowAlias !== undefined) {
    if (config.modelSource.kind === 'file') reader.problems.push('MODEL_SHADOW_ALIAS needs the MLflow registry: unset MODEL_SOURCE=file:...');
    if (config.modelShadowAlias === config.modelAlias) reader.problems.push(`MODEL_SHADOW_ALIAS must differ from MODEL_ALIAS (${config.modelAlias})`);
  }
  if (reader.problems.length > 0) throw new ConfigValidationError(reader.problems);
  return config;
}
