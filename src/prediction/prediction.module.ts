import { Module } from '@nestjs/common';
import { ModelRegistryModule } from '../model-registry/model-registry.module.js';
import { PredictionController } from './prediction.controller.js';
import { ScoreDriftMonitor } from './drift/score-drift.monitor.js';
import { PredictionService } from './prediction.service.js';
import { ShadowScorer } from './shadow-scorer.js';

@Module({
  imports: [ModelRegistryModule],
  controllers: [PredictionController],
  providers: [PredictionService, ScoreDriftMonitor, ShadowScorer],
})
export class PredictionModule {}
