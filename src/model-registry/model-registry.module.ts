import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { APP_ROOT } from '../app-root.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ModelValidator } from '../prediction/scoring/model-validation.js';
import { AdminApiKeyGuard } from '../security/admin-api-key.guard.js';
import { ModelController } from './model.controller.js';
import { ModelRegistryService } from './model-registry.service.js';

@Module({
  imports: [MetricsModule],
  controllers: [ModelController],
  providers: [
    ModelRegistryService,
    AdminApiKeyGuard,
    { provide: ModelValidator, useFactory: () => new ModelValidator(join(APP_ROOT, 'docs', 'model.schema.json')) },
  ],
  exports: [ModelRegistryService],
})
export class ModelRegistryModule {}
