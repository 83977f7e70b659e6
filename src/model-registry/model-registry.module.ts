import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ModelValidator } from '../prediction/scoring/model-validation.js';
import { AdminApiKeyGuard } from '../security/admin-api-key.guard.js';
import { ModelController } from './model.controller.js';
import { ModelRegistryService } from './model-registry.service.js';
import { ShadowModelService } from './shadow-model.service.js';

@Module({
  imports: [MetricsModule],
  controllers: [ModelController],
  providers: [
    ModelRegistryService,
    ShadowModelService,
    AdminApiKeyGuard,
    { provide: ModelValidator, useFactory: () => new ModelValidator() },
  ],
  exports: [ModelRegistryService, ShadowModelService],
})
export class ModelRegistryModule {}
