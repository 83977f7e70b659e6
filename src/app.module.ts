import { type DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfigModule, type AppRuntime } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { InfoController } from './info/info.controller.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelRegistryModule } from './model-registry/model-registry.module.js';
import { PredictionModule } from './prediction/prediction.module.js';

const ONE_MINUTE_MS = 60_000;

@Module({})
export class AppModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    const limit = runtime.config.rateLimitPerMinute;
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(runtime),
        // Per client IP; RATE_LIMIT_PER_MINUTE=0 turns it off for load tests.
        ThrottlerModule.forRoot({ throttlers: [{ ttl: ONE_MINUTE_MS, limit }], skipIf: () => limit === 0 }),
        MetricsModule,
        ModelRegistryModule,
        HealthModule,
        PredictionModule,
      ],
      controllers: [InfoController],
    };
  }
}
