import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { PredictBatchRequestDto } from './dto/predict-batch-request.dto.js';
import { PredictRequestDto } from './dto/predict-request.dto.js';
import { MessageThrottlerGuard } from './message-throttler.guard.js';
import { textsFromInvocation } from './mlflow-invocation.js';
import { type BatchPrediction, type ExplainedPrediction, PredictionService } from './prediction.service.js';

/** labels[1] of every model (docs/model.schema.json fixes labels to ["ham", "spam"]). */
const SPAM_LABEL = 'spam';

export type SinglePrediction = ExplainedPrediction & { modelVersion: string };

@Controller()
@UseGuards(MessageThrottlerGuard)
export class PredictionController {
  constructor(private readonly predictions: PredictionService) {}

  @Post('api/v1/predict')
  @HttpCode(HttpStatus.OK)
  async predict(@Body() request: PredictRequestDto): Promise<SinglePrediction> {
    const { predictions, modelVersion } = await this.predictions.predict([request.text], request.explain === true);
    return { ...predictions[0], modelVersion };
  }

  @Post('api/v1/predict/batch')
  @HttpCode(HttpStatus.OK)
  predictBatch(@Body() request: PredictBatchRequestDto): Promise<BatchPrediction> {
    return this.predictions.predict(request.texts, request.explain === true);
  }

  /**
   * The MLflow scoring protocol. The answer is what `mlflow models serve` gives for the logged scikit-learn pipeline,
   * which was fitted on 0/1 targets: the class index per message (1 = spam), so its clients switch over unchanged.
   */
  @Post('invocations')
  @HttpCode(HttpStatus.OK)
  async invocations(@Body() body: unknown): Promise<{ predictions: number[] }> {
    const { predictions } = await this.predictions.predict(textsFromInvocation(body));
    return { predictions: predictions.map((prediction) => (prediction.label === SPAM_LABEL ? 1 : 0)) };
  }
}
