import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigValidationError, loadAppConfig } from './config/app-config.js';
import { SecretsService } from './config/secrets.service.js';
import { createApp } from './create-app.js';
import { ShutdownState } from './health/shutdown-state.js';
import { AppLogger, errorFields } from './logging/app-logger.js';

/** sysexits EX_CONFIG: the orchestrator sees a configuration error, not a crash. */
const EXIT_BAD_CONFIG = 78;

/**
 * SIGTERM (Kubernetes) or SIGINT (Ctrl-C): readiness turns 503 at once, then after SHUTDOWN_DELAY_SECONDS (time for
 * endpoints to drop this pod) the server closes, letting in-flight requests finish, and the process exits.
 */
function handleShutdownSignals(app: NestFastifyApplication, logger: AppLogger, delaySeconds: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    app.get(ShutdownState).begin();
    logger.info(`received ${signal}; draining`, { event: { action: 'shutdown' }, spam: { drain_delay_seconds: delaySeconds } });
    setTimeout(() => {
      app
        .close()
        .then(() => {
          logger.info('stopped', { event: { action: 'shutdown', outcome: 'success' } });
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error('unclean shutdown', { event: { action: 'shutdown', outcome: 'failure' }, ...errorFields(error) });
          process.exit(1);
        });
    }, delaySeconds * 1000);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    // stderr: stdout carries only JSON log lines.
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
  const logger = new AppLogger({ level: config.logLevel, serviceName: config.serviceName, serviceVersion: config.appVersion });
  try {
    // Never throws for an unreachable or refusing Vault: the service starts degraded and retries (docs/configuration.md).
    const secrets = await SecretsService.start(config, logger);
    const app = await createApp({ config, secrets, logger });
    handleShutdownSignals(app, logger, config.shutdownDelaySeconds);
    await app.listen({ port: config.port, host: config.host });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(`listening on ${config.host}:${port}`, {
      event: { action: 'startup' },
      server: { address: config.host, port },
      spam: { secrets_source: secrets.status().source, secrets_state: secrets.status().state, model_source: config.modelSource.kind, git_commit: config.gitCommit },
    });
  } catch (error) {
    logger.error('start-up failed', { event: { action: 'startup', outcome: 'failure' }, ...errorFields(error) });
    // Let winston flush the line before exiting.
    setTimeout(() => process.exit(1), 100);
  }
}

void main();
