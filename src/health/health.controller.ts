import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SecretsService } from '../config/secrets.service.js';
import { ModelRegistryService } from '../model-registry/model-registry.service.js';
import { secretsReadiness } from './secrets-readiness.js';
import { ShutdownState } from './shutdown-state.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ModelRegistryService,
    private readonly shutdown: ShutdownState,
    private readonly secrets: SecretsService,
  ) {}

  /** Liveness: the event loop answers. Never depends on MLflow, so a registry outage does not restart pods. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicator.check('process').up({ pid: process.pid })]);
  }

  /**
   * Readiness: a model is loaded and the process is not draining. Secrets are reported but never fail the probe:
   * predictions need none, so a Vault outage must not take working pods out of the endpoints (docs/configuration.md).
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.modelLoaded(), () => this.notDraining(), () => this.secretsStatus()]);
  }

  private modelLoaded(): HealthIndicatorResult {
    const served = this.registry.current();
    const check = this.indicator.check('model');
    return served
      ? check.up({ version: served.descriptor.version, source: served.source })
      : check.down({ message: 'no model loaded yet' });
  }

  private secretsStatus(): HealthIndicatorResult {
    return this.indicator.check('secrets').up({ ...secretsReadiness(this.secrets.status()) });
  }

  private notDraining(): HealthIndicatorResult {
    const check = this.indicator.check('lifecycle');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }
}
