import { jest } from '@jest/globals';
import { ecsFormat } from '@elastic/ecs-winston-format';
import { AppLogger, errorFields } from './app-logger.js';
import { EcsLineBuilder, ecsFormatLine } from './ecs-line.js';
import { flushLogLines } from './stdout-lines.js';

const format = ecsFormat({ convertReqRes: false, apmIntegration: false, serviceName: 'spam-classifier', serviceVersion: '1.2.3' });
const builder = new EcsLineBuilder(format);

/** A parsed line without its timestamp, the one value two lines of the same event cannot share. */
function fieldsOf(line: string): Record<string, unknown> {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toContain('\n');
  const { '@timestamp': timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
  expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  return rest;
}

// One of each event shape the service logs (docs/logging.md), plus values that need escaping or are left out.
const EVENTS: [string, string, string, object][] = [
  ['access', 'info', 'POST /api/v1/predict 200', {
    event: { action: 'http-request', kind: 'event', category: ['web'], duration: 1234567 },
    http: { request: { method: 'POST' }, response: { status_code: 200 } },
    url: { path: '/api/v1/predict' },
    client: { ip: '127.0.0.1' },
    user_agent: { original: 'curl/8 "quoted" \\ ünïcode \u2028' },
  }],
  ['access without user agent', 'error', 'GET /x 500', { event: { action: 'http-request' }, user_agent: { original: undefined } }],
  ['prediction', 'info', 'prediction', {
    event: { action: 'prediction', kind: 'event' },
    spam: { label: 'spam', probability: 0.9999701500305305, model_version: 'file-cf0a06d960de', text_length: 150, text_hmac: 'ab'.repeat(32) },
  }],
  ['prediction without key', 'info', 'prediction', { event: { action: 'prediction' }, spam: { label: 'ham', probability: 1e-7, text_hmac: undefined } }],
  ['error', 'warn', 'model source unavailable; the served model is unchanged', { event: { action: 'model-check', outcome: 'failure' }, ...errorFields(new TypeError('fetch failed')) }],
  ['no fields', 'info', 'plain message "with quotes"', {}],
];

describe('EcsLineBuilder (ECS lines with the shared fields serialised once)', () => {
  it.each(EVENTS)('gives the fields ecsFormat gives: %s', (_name, level, message, fields) => {
    expect(fieldsOf(builder.line(level, message, fields))).toEqual(fieldsOf(ecsFormatLine(format, level, message, fields)));
  });

  it('carries the fields docs/logging.md puts on every line', () => {
    expect(fieldsOf(builder.line('info', 'm', {}))).toEqual({
      'log.level': 'info',
      message: 'm',
      'ecs.version': expect.any(String),
      'service.name': 'spam-classifier',
      'service.version': '1.2.3',
      'event.dataset': 'spam-classifier',
    });
  });

  it('refuses what JSON cannot hold instead of writing a broken line', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => builder.line('info', 'm', { spam: cyclic })).toThrow();
  });
});

describe('AppLogger', () => {
  /** The lines the logger writes, flushed at once instead of at the end of the event-loop turn. */
  function written(logger: AppLogger, log: (logger: AppLogger) => void): string[] {
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      log(logger);
      flushLogLines();
    } finally {
      write.mockRestore();
    }
    return chunks.join('').split(/(?<=\n)/).filter((line) => line !== '');
  }

  it('writes one ECS line per event at or above its level', () => {
    const logger = new AppLogger({ level: 'warn', serviceName: 'spam-classifier', serviceVersion: '1.2.3' });
    const lines = written(logger, (l) => {
      l.info('dropped', { event: { action: 'prediction' } });
      l.infoJson('dropped too', '{"event":{"action":"prediction"}}');
      l.warn('kept', { event: { action: 'model-check' } });
      l.error('kept too', { event: { action: 'startup' } });
    });
    expect(lines.map((line) => fieldsOf(line).message)).toEqual(['kept', 'kept too']);
    expect(fieldsOf(lines[0])).toEqual(fieldsOf(ecsFormatLine(format, 'warn', 'kept', { event: { action: 'model-check' } })));
  });

  it('hands fields JSON cannot hold to winston, which serialises them safely', () => {
    const logger = new AppLogger({ level: 'info', serviceName: 'spam-classifier', serviceVersion: '1.2.3' });
    const viaWinston = jest.spyOn(logger.winston, 'log').mockImplementation(() => logger.winston);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      written(logger, (l) => {
        l.info('cyclic', { spam: cyclic });
      }),
    ).toEqual([]);
    expect(viaWinston).toHaveBeenCalledWith('info', 'cyclic', { spam: cyclic });
  });

  it('writes the lines of one event-loop turn in one write, in order, at the end of the turn', async () => {
    const logger = new AppLogger({ level: 'info', serviceName: 'spam-classifier', serviceVersion: '1.2.3' });
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      for (const message of ['first', 'second', 'third']) logger.info(message, { event: { action: 'prediction' } });
      expect(chunks).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      write.mockRestore();
    }
    expect(chunks).toHaveLength(1);
    expect(chunks[0].split('\n').filter(Boolean).map((line) => fieldsOf(`${line}\n`).message)).toEqual(['first', 'second', 'third']);
  });
});
