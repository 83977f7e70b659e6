import { AppLogger, type LogFields } from '../logging/app-logger.js';
import type { AppSecrets } from './app-secrets.js';
import { SecretsService } from './secrets.service.js';

/** Keeps what would be logged; nothing reaches stdout. */
class RecordingLogger extends AppLogger {
  readonly lines: { level: string; message: string; fields: LogFields }[] = [];

  constructor() {
    super({ level: 'error', serviceName: 'test', serviceVersion: '0' });
  }

  override info(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }

  override warn(message: string, fields: LogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }
}

/** A reader that answers from a script: a value, or an Error to throw; the last entry repeats. */
function scriptedReader(script: (AppSecrets | Error)[]): { read: () => Promise<AppSecrets>; calls: () => number } {
  let calls = 0;
  return {
    read: () => {
      const next = script[Math.min(calls, script.length - 1)];
      calls += 1;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    calls: () => calls,
  };
}

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 5));
  }
}

describe('SecretsService', () => {
  const services: SecretsService[] = [];
  afterEach(() => {
    for (const service of services.splice(0)) service.onModuleDestroy();
  });

  function vaultService(reader: ReturnType<typeof scriptedReader>, logger: RecordingLogger, refreshMs = 20): SecretsService {
    const service = new SecretsService('vault', reader.read, logger, refreshMs);
    services.push(service);
    return service;
  }

  it('reads Vault again every refresh interval and picks up a rotated value, logging only the change', async () => {
    const logger = new RecordingLogger();
    const reader = scriptedReader([{ adminApiKey: 'first-key' }, { adminApiKey: 'first-key' }, { adminApiKey: 'rotated-key' }]);
    const service = vaultService(reader, logger);
    await service.refresh();
    expect(service.current().adminApiKey).toBe('first-key');
    await until(() => service.current().adminApiKey === 'rotated-key');
    expect(reader.calls()).toBeGreaterThanOrEqual(3);
    expect(service.status()).toEqual({ source: 'vault', state: 'loaded' });
    // First load and the rotation; the unchanged re-read in between logs nothing.
    expect(logger.lines.map((line) => line.message)).toEqual(['secrets loaded from Vault', 'secrets loaded from Vault']);
  });

  it('turns unavailable on a failed re-read, keeps the last values, and recovers within the refresh interval', async () => {
    const logger = new RecordingLogger();
    const outage = new Error('connect ECONNREFUSED 127.0.0.1:8200');
    const reader = scriptedReader([{ adminApiKey: 'key', mlflowToken: 'mlflow-token' }, outage, outage, outage, { adminApiKey: 'key', mlflowToken: 'mlflow-token' }]);
    const service = vaultService(reader, logger, 50);
    await service.refresh();
    await until(() => service.status().state === 'unavailable');
    expect(service.status().lastError).toBe('connect ECONNREFUSED 127.0.0.1:8200');
    expect(service.current()).toEqual({ adminApiKey: 'key', mlflowToken: 'mlflow-token' });
    const failedAt = Date.now();
    await until(() => service.status().state === 'loaded', 1_000);
    // Backoff from 1 s, doubling, but capped at the 50 ms refresh interval: three failures then success, well under 1 s.
    expect(Date.now() - failedAt).toBeLessThan(1_000);
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]?.fields).toMatchObject({ event: { action: 'secrets-load', outcome: 'failure' }, spam: { retry_in_seconds: 0.05 } });
    expect(logger.lines.at(-1)?.message).toBe('secrets loaded from Vault');
  });

  it('reads environment secrets once: they cannot change under a running process', async () => {
    const reader = scriptedReader([{ adminApiKey: 'from-env' }]);
    const service = new SecretsService('environment', reader.read, new RecordingLogger());
    services.push(service);
    await service.refresh();
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
    expect(reader.calls()).toBe(1);
    expect(service.status()).toEqual({ source: 'environment', state: 'loaded' });
  });
});
