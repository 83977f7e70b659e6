import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WinstonModule } from 'nest-winston';
import { APP_ROOT } from './app-root.js';
import { AppModule } from './app.module.js';
import type { AppRuntime } from './config/config.module.js';
import { ShutdownState } from './health/shutdown-state.js';
import { registerAccessLog } from './http/access-log.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './http/body-parsers.js';
import { registerConnectionDrain } from './http/drain-connections.js';
import { MetricsService } from './metrics/metrics.service.js';

/** The static web UI, served at `/` from the app root (docs/configuration.md). */
export const PUBLIC_DIR = join(APP_ROOT, 'public');

/** Builds the fully configured application (not yet listening); main.ts and the e2e tests share it. */
export async function createApp(runtime: AppRuntime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES, trustProxy: runtime.config.trustProxy });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime), adapter, {
    logger: WinstonModule.createLogger({ instance: runtime.logger.winston }),
    // Our own JSON parser (strict UTF-8, bounded depth); form bodies get no parser, so fastify answers 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify);
  registerAccessLog(fastify, runtime.logger, app.get(MetricsService));
  registerSecurityHeaders(fastify);
  registerConnectionDrain(fastify, app.get(ShutdownState));
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'] });
  if (runtime.config.corsOrigins.length > 0) app.enableCors({ origin: runtime.config.corsOrigins });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true }),
  );
  return app;
}
