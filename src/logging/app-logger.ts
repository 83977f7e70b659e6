import { ecsFormat } from '@elastic/ecs-winston-format';
import winston from 'winston';
import { LOG_LEVELS, type LogLevel } from '../config/app-config.js';
import { EcsLineBuilder } from './ecs-line.js';
import { writeLogLine } from './stdout-lines.js';

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
 *
 * The service's own events (two or more per prediction request) skip winston's object-mode stream chain (logger
 * stream, pipe, transport stream) and its per-line sorted serialisation: winston decides the level, ecsFormat's
 * fields are serialised once (EcsLineBuilder), and the lines of one event-loop turn go to stdout in one write
 * (writeLogLine). Measured in docs/benchmark.md; the lines carry the same fields.
 */
export class AppLogger {
  readonly winston: winston.Logger;
  private readonly lineBuilder: EcsLineBuilder;
  private readonly enabled: ReadonlySet<LogLevel>;

  constructor(options: AppLoggerOptions) {
    const format = ecsFormat({
      convertReqRes: false,
      apmIntegration: false,
      serviceName: options.serviceName,
      serviceVersion: options.serviceVersion,
    });
    this.winston = winston.createLogger({ level: options.level, format, transports: [new winston.transports.Console()] });
    this.lineBuilder = new EcsLineBuilder(format);
    // Asked of winston once: its isLevelEnabled builds the transport list anew on every call (two or more a request),
    // and the level is fixed at start-up (LOG_LEVEL).
    this.enabled = new Set(LOG_LEVELS.filter((level) => this.winston.isLevelEnabled(level)));
  }

  error(message: string, fields: LogFields = {}): void {
    this.write('error', message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.write('warn', message, fields);
  }

  info(message: string, fields: LogFields = {}): void {
    this.write('info', message, fields);
  }

  /**
   * An info event whose fields the caller serialised (one JSON object): for the one event logged per scored message,
   * built from a template (src/prediction/prediction-event.ts) rather than objects walked by JSON.stringify.
   */
  infoJson(message: string, fieldsJson: string): void {
    if (this.enabled.has('info')) writeLogLine(this.lineBuilder.lineOfJson('info', message, fieldsJson));
  }

  isInfoEnabled(): boolean {
    return this.enabled.has('info');
  }

  private write(level: LogLevel, message: string, fields: LogFields): void {
    if (!this.enabled.has(level)) return;
    let line: string;
    try {
      line = this.lineBuilder.line(level, message, fields);
    } catch {
      // Fields JSON.stringify refuses (a cycle, a BigInt): winston's own path serialises them safely.
      this.winston.log(level, message, fields);
      return;
    }
    writeLogLine(line);
  }
}

/** ECS error fields for a caught value, without stack traces of expected dependency failures. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { error: { type: error.name, message: error.message } };
  return { error: { message: String(error) } };
}
