import { ecsFormat } from '@elastic/ecs-winston-format';
import winston from 'winston';
import type { LogLevel } from '../config/app-config.js';

/** ECS fields beyond the ones the formatter adds; nested objects (http, url, event, spam, error...). */
export type LogFields = Record<string, unknown>;

export interface AppLoggerOptions {
  level: LogLevel;
  serviceName: string;
  serviceVersion: string;
}

/**
 * Structured ECS JSON logging, one object per line on stdout and nothing else there (docs/logging.md).
 * Injected wherever the service logs; Nest's own messages reach the same winston instance through nest-winston.
 */
export class AppLogger {
  readonly winston: winston.Logger;

  constructor(options: AppLoggerOptions) {
    this.winston = winston.createLogger({
      level: options.level,
      format: ecsFormat({
        convertReqRes: false,
        apmIntegration: false,
        serviceName: options.serviceName,
        serviceVersion: options.serviceVersion,
      }),
      transports: [new winston.transports.Console()],
    });
  }

  error(message: string, fields: LogFields = {}): void {
    this.winston.error(message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.winston.warn(message, fields);
  }

  info(message: string, fields: LogFields = {}): void {
    this.winston.info(message, fields);
  }

  isInfoEnabled(): boolean {
    return this.winston.isInfoEnabled();
  }
}

/** ECS error fields for a caught value, without stack traces of expected dependency failures. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { error: { type: error.name, message: error.message } };
  return { error: { message: String(error) } };
}
