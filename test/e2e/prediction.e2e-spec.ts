import { createHash, createHmac } from 'node:crypto';
import request from 'supertest';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { ServiceProcess, newWorkDir, writeModelFile } from '../support/service-process.js';

const LOG_HASH_KEY = 'log-hash-key-for-prediction-tests';

describe('prediction API (e2e, the built app on 127.0.0.1)', () => {
  let running: ServiceProcess;

  beforeAll(async () => {
    const workDir = newWorkDir();
    running = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, APP_VERSION: '9.9.9', GIT_COMMIT: 'abc1234', LOG_HASH_KEY },
      { workDir },
    );
  });

  afterAll(async () => {
    expect(await running.stop()).toBe(0);
  });

  it('predicts one message', async () => {
    const response = await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT }).expect(200);
    expect(response.body).toEqual({
      label: 'spam',
      spamProbability: expect.any(Number),
      modelVersion: expect.stringMatching(/^file-[0-9a-f]{12}$/),
    });
    expect(response.body.spamProbability).toBeGreaterThan(0.9);
  });

  it('predicts a batch in order with one model version', async () => {
    const response = await request(running.url)
      .post('/api/v1/predict/batch')
      .send({ texts: [TINY_SPAM_TEXT, 'see you at lunch', '  ok  '] })
      .expect(200);
    expect((response.body as { predictions: { label: string }[] }).predictions.map((p) => p.label)).toEqual(['spam', 'ham', 'ham']);
    expect(response.body.modelVersion).toMatch(/^file-/);
  });

  it.each([
    ['inputs', { inputs: [TINY_SPAM_TEXT, 'see you'] }],
    ['inputs as records', { inputs: [{ text: TINY_SPAM_TEXT }, { text: 'see you' }] }],
    ['dataframe_split', { dataframe_split: { columns: ['id', 'text'], data: [[1, TINY_SPAM_TEXT], [2, 'see you']] } }],
    ['dataframe_records', { dataframe_records: [{ text: TINY_SPAM_TEXT }, { text: 'see you' }] }],
  ])('speaks the MLflow scoring protocol: %s', async (_shape, body) => {
    const response = await request(running.url).post('/invocations').send(body).expect(200);
    // What `mlflow models serve` answers for the logged pipeline (fitted on 0/1 targets): class indices, 1 = spam.
    expect(response.body).toEqual({ predictions: [1, 0] });
  });

  it('reports the model, the versions and readiness', async () => {
    const model = await request(running.url).get('/api/v1/model').expect(200);
    expect(model.body).toMatchObject({ name: 'spam-classifier', source: 'file', runId: 'tiny-run', appVersion: '9.9.9', gitCommit: 'abc1234' });
    const info = await request(running.url).get('/api/v1/info').expect(200);
    expect(info.body).toEqual({
      service: 'spam-classifier',
      version: '9.9.9',
      gitCommit: 'abc1234',
      model: { name: 'spam-classifier', version: model.body.version, source: 'file' },
    });
    await request(running.url).get('/health/live').expect(200);
    const ready = await request(running.url).get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
  });

  it('serves the web UI with security headers and no inline code', async () => {
    const page = await request(running.url).get('/').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    expect(page.text).toContain('id="message"');
    await request(running.url).get('/app.js').expect(200);
  });

  it('exposes the documented Prometheus metrics', async () => {
    await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT }).expect(200);
    const metrics = await request(running.url).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    for (const name of [
      'process_cpu_seconds_total',
      'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/v1/predict",status_code="200"}',
      'spam_predictions_total{label="spam",model_version="file-',
      'spam_probability_bucket',
      'model_info{name="spam-classifier",version="file-',
      'model_reload_total{result="success"} 1',
    ]) {
      expect(metrics.text).toContain(name);
    }
  });

  it('logs one ECS access event per request and a prediction event without the text', async () => {
    await request(running.url).post('/api/v1/predict').send({ text: 'secret words 12345' }).expect(200);
    await running.waitForLog((event) => (event.spam as { text_length?: number } | undefined)?.text_length === 18);
    expect(running.stdoutLines.join('\n')).not.toContain('secret words');
    // The unkeyed hash would let anyone confirm a guessed message; neither it nor the key is logged.
    expect(running.stdoutLines.join('\n')).not.toContain(createHash('sha256').update('secret words 12345').digest('hex'));
    expect(running.stdoutLines.join('\n')).not.toContain(LOG_HASH_KEY);
    const events = running.events();
    const prediction = events.filter((event) => (event.event as { action?: string } | undefined)?.action === 'prediction').at(-1);
    expect(prediction).toMatchObject({
      'log.level': 'info',
      'service.name': 'spam-classifier',
      'service.version': '9.9.9',
      spam: { label: 'ham', model_version: expect.stringMatching(/^file-/), text_length: 18, text_hmac: createHmac('sha256', LOG_HASH_KEY).update('secret words 12345').digest('hex') },
    });
    const access = events.filter((event) => (event.url as { path?: string } | undefined)?.path === '/api/v1/predict').at(-1);
    expect(access).toMatchObject({
      http: { request: { method: 'POST' }, response: { status_code: 200 } },
      event: { action: 'http-request', duration: expect.any(Number) },
    });
  });
});
