import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PredictBatchRequestDto } from './dto/predict-batch-request.dto.js';
import { PredictRequestDto } from './dto/predict-request.dto.js';
import { textsFromInvocation } from './mlflow-invocation.js';
import { type BatchPrediction, PredictionService } from './prediction.service.js';
import type { Prediction } from './scoring/compiled-model.js';

export type SinglePrediction = Prediction & { modelVersion: string };

@Controller()
@UseGuards(ThrottlerGuard)
export class PredictionController {
  constructor(private readonly predictions: PredictionService) {}

  @Post('api/v1/predict')
  @HttpCode(HttpStatus.OK)
  predict(@Body() request: PredictRequestDto): SinglePrediction {
    const { predictions, modelVersion } = this.predictions.predict([request.text]);
    return { ...predictions[0], modelVersion };
  }

  @Post('api/v1/predict/batch')
  @HttpCode(HttpStatus.OK)
  predictBatch(@Body() request: PredictBatchRequestDto): BatchPrediction {
    return this.predictions.predict(request.texts);
  }

  /** The MLflow scoring protocol, so clients of `mlflow models serve` switch over unchanged: labels, in order. */
  @Post('invocations')
  @HttpCode(HttpStatus.OK)
  invocations(@Body() body: unknown): { predictions: string[] } {
    const { predictions } = this.predictions.predict(textsFromInvocation(body));
    return { predictions: predictions.map((prediction) => prediction.label) };
  }
}
