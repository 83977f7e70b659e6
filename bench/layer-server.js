// One rung of the per-request cost ladder of docs/benchmark.md "Where the time goes": BENCH_LAYER picks how much of
// the service answers POST /api/v1/predict, each rung adding one piece to the one before, so the difference between
// two neighbouring rungs is what that piece costs. The pieces are the service's own compiled modules, read from
// BENCH_DIST (default ./dist), so the same ladder measures a 'before' build too. Run by bench/run-layers.js.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Body, Controller, HttpCode, Post, UseGuards, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ThrottlerModule } from '@nestjs/throttler';
import Fastify from 'fastify';
import { LAYERS } from './layers.js';


const layer = process.env.BENCH_LAYER ?? '';
const rung = LAYERS.indexOf(layer);
if (rung < 0) throw new Error(`BENCH_LAYER must be one of ${LAYERS.join(', ')}`);
const has = (name) => rung >= LAYERS.indexOf(name);
const DIST = resolve(process.env.BENCH_DIST ?? join(import.meta.dirname, '..', 'dist'));
const dist = (path) => import(join(DIST, path));
const port = Number(process.env.PORT);
const FIXED = { label: 'ham', spamProbability: 0.01, modelVersion: 'baseline' };

if (layer === 'fastify') {
  // fastify's own JSON parser and serialiser, no hooks: what the framework under Nest costs by itself.
  const app = Fastify();
  app.post('/api/v1/predict', async (request) => {
    if (typeof request.body?.text !== 'string') throw new Error('no text');
    return FIXED;
  });
  await app.listen({ port, host: '127.0.0.1' });
} else {
  const { PredictRequestDto } = await dist('prediction/dto/predict-request.dto.js');
  const { MessageThrottlerGuard } = await dist('prediction/message-throttler.guard.js');
  const { MetricsService } = await dist('metrics/metrics.service.js');
  const { AppLogger } = await dist('logging/app-logger.js');
  const logger = new AppLogger({ level: 'info', serviceName: 'spam-classifier', serviceVersion: 'bench' });
  const metrics = new MetricsService();
  let scoring;
  if (has('scoring')) {
    const { loadModelFile } = await dist('model-registry/model-loader.js');
    const { ModelValidator } = await dist('prediction/scoring/model-validation.js');
    const { PredictionService } = await dist('prediction/prediction.service.js');
    const { ScoreDriftMonitor } = await dist('prediction/drift/score-drift.monitor.js');
    const { ShadowScorer } = await dist('prediction/shadow-scorer.js');
    const { model } = loadModelFile(readFileSync(process.env.BENCH_MODEL), new ModelValidator());
    const served = { model, descriptor: { version: 'bench' } };
    // Below the prediction-log rung the service's prediction logger is at warn: it skips hashing and the event.
    const predictionLogger = has('prediction-log') ? logger : new AppLogger({ level: 'warn', serviceName: 'spam-classifier', serviceVersion: 'bench' });
    const secrets = { current: () => ({ logHashKey: 'bench-log-hash-key' }) };
    // As the service runs by default: drift window on, no shadow model (MODEL_SHADOW_ALIAS unset).
    const shadow = new ShadowScorer({ current: () => undefined }, predictionLogger, secrets, metrics);
    scoring = new PredictionService({ current: () => served }, metrics, predictionLogger, secrets, new ScoreDriftMonitor(metrics), shadow);
  }

  // The controller of src/prediction/prediction.controller.ts, decorated by hand (this file is plain JavaScript).
  class PredictController {
    async predict(request) {
      if (!scoring) return FIXED;
      const { predictions, modelVersion } = await scoring.predict([request.text]);
      return { ...predictions[0], modelVersion };
    }
  }
  const proto = PredictController.prototype;
  const method = Object.getOwnPropertyDescriptor(proto, 'predict');
  Reflect.defineMetadata('design:paramtypes', [has('validation') ? PredictRequestDto : Object], proto, 'predict');
  Body()(proto, 'predict', 0);
  Post('api/v1/predict')(proto, 'predict', method);
  HttpCode(200)(proto, 'predict', method);
  Controller()(PredictController);
  if (has('throttler')) UseGuards(MessageThrottlerGuard)(PredictController);

  // RATE_LIMIT_PER_MINUTE as in the service: 0 (the benchmark's setting) skips the count, a limit counts every hit.
  const limit = Number(process.env.RATE_LIMIT_PER_MINUTE ?? 0);
  class BenchModule {}
  const imports = has('throttler') ? [ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit }], skipIf: () => limit === 0 })] : [];
  Reflect.decorate([(await import('@nestjs/common')).Module({ imports, controllers: [PredictController] })], BenchModule);

  // abortOnError false: a rung that cannot start throws its cause (with logger off, Nest would exit 1 without a word).
  const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false, abortOnError: false, bodyParser: !has('headers') });
  const fastify = app.getHttpAdapter().getInstance();
  if (has('headers')) {
    (await dist('http/body-parsers.js')).registerBodyParsers(fastify);
    (await dist('http/security-headers.js')).registerSecurityHeaders(fastify);
  }
  if (has('access-log')) {
    (await dist('http/access-log.js')).registerAccessLog(fastify, logger, metrics);
  } else if (has('metrics')) {
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.observeHttpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  if (has('validation')) {
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true }));
  }
  await app.listen({ port, host: '127.0.0.1' });
}
process.on('SIGTERM', () => process.exit(0));
