import { Module } from '@nestjs/common';
import { ModelRegistryModule } from '../model-registry/model-registry.module.js';
import { PredictionController } from './prediction.controller.js';
import { PredictionService } from './prediction.service.js';

@Module({
  imports: [ModelRegistryModule],
  controllers: [PredictionController],
  providers: [PredictionService],
})
export class PredictionModule {}
