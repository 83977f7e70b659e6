import request from 'supertest';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { ServiceProcess, newWorkDir, writeModelFile } from '../support/service-process.js';

interface ExplainedAnswer {
  label: string;
  spamProbability: number;
  explanation?: { intercept: number; logit: number; rest: number; features: { feature: string; block: string; contribution: number }[] };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
/** A message no other test sends, so its appearance in a log line could only come from this test's requests. */
const SECRET_TEXT = 'WIN the prize zqxjkvw call 09061701461';

describe('explanations (e2e: explain: true on the prediction routes)', () => {
  let running: ServiceProcess;

  beforeAll(async () => {
    const workDir = newWorkDir();
    running = await ServiceProcess.start({ MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, LOG_HASH_KEY: 'k' }, { workDir });
  });

  afterAll(async () => {
    expect(await running.stop()).toBe(0);
  });

  it('returns the exact decomposition of one score', async () => {
    const body = (await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT, explain: true }).expect(200)).body as ExplainedAnswer;
    const explanation = body.explanation!;
    const listed = explanation.features.reduce((total, feature) => total + feature.contribution, 0);
    expect(Math.abs(sigmoid(explanation.intercept + listed + explanation.rest) - body.spamProbability)).toBeLessThan(1e-9);
    expect(explanation.features.map((feature) => feature.feature)).toEqual(['win', 'xxphone', 'prize', 'free', 'call']);
    expect(explanation.features[0]).toEqual({ feature: 'win', block: 'word', contribution: 4 });
  });

  it('explains each message of a batch, and nothing without the flag', async () => {
    const explained = (await request(running.url).post('/api/v1/predict/batch').send({ texts: [TINY_SPAM_TEXT, 'see you'], explain: true }).expect(200))
      .body as { predictions: ExplainedAnswer[] };
    expect(explained.predictions.map((prediction) => prediction.explanation?.intercept)).toEqual([-1, -1]);
    const plain = (await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT, explain: false }).expect(200)).body as ExplainedAnswer;
    expect(plain.explanation).toBeUndefined();
  });

  it.each([['yes'], [1], ['true'], [{}]])('refuses explain=%j with 400', async (value) => {
    const response = await request(running.url).post('/api/v1/predict').send({ text: TINY_SPAM_TEXT, explain: value }).expect(400);
    expect(JSON.stringify(response.body)).toContain('explain must be a boolean value');
  });

  it('never logs the text or its explained features', async () => {
    await request(running.url).post('/api/v1/predict').send({ text: SECRET_TEXT, explain: true }).expect(200);
    await running.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'prediction');
    const output = running.stdoutLines.join('\n');
    expect(output).not.toContain('zqxjkvw');
    expect(output).not.toContain('"contribution"');
  });
});
