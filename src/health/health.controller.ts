import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModelRegistryService } from '../model-registry/model-registry.service.js';
import { ShutdownState } from './shutdown-state.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ModelRegistryService,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the event loop answers. Never depends on MLflow, so a registry outage does not restart pods. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.indicator.check('process').up({ pid: process.pid })]);
  }

  /** Readiness: a model is loaded and the process is not draining. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.modelLoaded(), () => this.notDraining()]);
  }

  private modelLoaded(): HealthIndicatorResult {
    const served = this.registry.current();
    const check = this.indicator.check('model');
    return served
      ? check.up({ version: served.descriptor.version, source: served.source })
      : check.down({ message: 'no model loaded yet' });
  }

  private notDraining(): HealthIndicatorResult {
    const check = this.indicator.check('lifecycle');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }
}
