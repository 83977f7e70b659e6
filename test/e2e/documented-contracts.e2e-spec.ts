import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { REPO_ROOT, ServiceProcess, type LogEvent, newWorkDir, writeModelFile } from '../support/service-process.js';

/**
 * docs/metrics.md and docs/logging.md are the contracts Prometheus rules, Logstash and Kibana are written against.
 * This test reads their tables and checks them against what the running service really exposes and logs, both ways,
 * so a renamed metric or log field cannot drift from its documentation unnoticed.
 */

/** Rows of the first markdown table under `heading`, as arrays of cell texts. */
function tableRows(document: string, heading: string): string[][] {
  const section = document.split(/^#+ /m).find((part) => part.startsWith(heading));
  if (!section) throw new Error(`no section "${heading}"`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2) // header and separator
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** Every `code span` of a cell. */
function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
}

function readDoc(name: string): string {
  return readFileSync(join(REPO_ROOT, 'docs', name), 'utf8');
}

function fieldAt(event: LogEvent, dottedPath: string): unknown {
  // ECS logs mix nested objects and dotted keys ("log.level"): try the literal key, then walk the path.
  if (dottedPath in event) return event[dottedPath];
  let value: unknown = event;
  for (const part of dottedPath.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

describe('documented contracts (docs/metrics.md, docs/logging.md) match the running service', () => {
  let running: ServiceProcess;
  let metricsText: string;

  beforeAll(async () => {
    const workDir = newWorkDir();
    // With a log hash key, as deployed (Vault `log_hash_key`): prediction events then carry every documented field.
    running = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, LOG_HASH_KEY: 'log-hash-key-for-contract-tests' },
      { workDir },
    );
    await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT }).expect(200);
    await request(running.url).post('/api/v1/predict/batch').send({ texts: ['see you at lunch', TINY_SPAM_TEXT] }).expect(200);
    metricsText = (await request(running.url).get('/metrics').expect(200)).text;
    await running.waitForLog((event) => fieldAt(event, 'event.action') === 'prediction');
  });

  afterAll(async () => {
    expect(await running.stop()).toBe(0);
  });

  describe('metrics', () => {
    const documented = tableRows(readDoc('metrics.md'), 'Prometheus metrics')
      .map(([name, type]) => ({ name: codeSpans(name)[0], type: type.split(' ')[0] }))
      .filter(({ name }) => !name.includes('*'));

    it('documents the metrics the issue names', () => {
      expect(documented.map(({ name }) => name).sort()).toEqual(
        [
          'http_request_duration_seconds',
          'model_info',
          'model_reload_total',
          'spam_predictions_total',
          'spam_probability',
          // Issue 14: drift and shadow scoring.
          'spam_score_psi',
          'spam_score_window_spam_share',
          'spam_shadow_predictions_total',
          'spam_shadow_window_spam_share',
          'spam_shadow_skipped_total',
          'spam_shadow_model_info',
        ].sort(),
      );
    });

    it.each(documented.map(({ name, type }) => [name, type]))('exposes %s as a %s', (name, type) => {
      expect(metricsText).toContain(`# TYPE ${name} ${type}\n`);
    });

    it('exposes no application metric that is not documented', () => {
      const exposed = [...metricsText.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
      const undocumented = exposed.filter(
        (name) => !/^(process|nodejs)_/.test(name) && !documented.some((metric) => metric.name === name),
      );
      expect(undocumented).toEqual([]);
    });

    it('labels series as documented', () => {
      expect(metricsText).toMatch(/^spam_predictions_total\{label="spam",model_version="file-[0-9a-f]+"\} \d+/m);
      expect(metricsText).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/predict",status_code="200"\} 1$/m);
      expect(metricsText).toMatch(/^model_info\{name="[^"]+",version="file-[0-9a-f]+",source="file"\} 1$/m);
      expect(metricsText).toMatch(/^model_reload_total\{result="success"\} 1$/m);
    });
  });

  describe('log fields', () => {
    const logging = readDoc('logging.md');
    const everyLine = tableRows(logging, 'Fields on every line').map(([field]) => codeSpans(field)[0]);
    const events = new Map(
      tableRows(logging, 'Events').map(([action, , extra]) => [codeSpans(action)[0], codeSpans(extra).map((span) => span.split('=')[0])]),
    );

    function eventsOf(action: string): LogEvent[] {
      const found = running.events().filter((event) => fieldAt(event, 'event.action') === action);
      expect(found.length).toBeGreaterThan(0);
      return found;
    }

    it('puts the documented common fields on every application event', () => {
      expect(everyLine).toEqual(expect.arrayContaining(['@timestamp', 'log.level', 'message', 'service.name', 'service.version']));
      for (const event of running.events().filter((line) => fieldAt(line, 'event.action') !== undefined)) {
        for (const field of everyLine) expect([field, fieldAt(event, field)]).not.toEqual([field, undefined]);
      }
    });

    it.each(['http-request', 'prediction', 'startup'])('logs the documented fields of %s events', (action) => {
      const documentedFields = (events.get(action) ?? []).filter((field) => /^[a-z_@]+(\.[a-z0-9_]+)+$/.test(field));
      expect(documentedFields.length).toBeGreaterThan(0);
      const event = eventsOf(action)[0];
      const missing = documentedFields.filter((field) => fieldAt(event, field) === undefined);
      expect(missing).toEqual([]);
    });

    it('never logs the message text', () => {
      expect(running.stdoutLines.join('\n')).not.toContain(TINY_SPAM_TEXT);
    });
  });
});
