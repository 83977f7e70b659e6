import { wordAndCharModel } from '../fixtures/tiny-model.js';
import { HostileText } from '../support/hostile-text.js';
import { ServiceProcess, newWorkDir, sleep, writeModelFile } from '../support/service-process.js';

import { MAX_REQUEST_CHARACTERS, MAX_TEXT_LENGTH } from '../../src/prediction/dto/message-text.js';
import { MAX_TOKEN_LENGTH } from '../../src/prediction/scoring/text-preprocessing.js';
const LIVENESS_BUDGET_MS = 100;

interface Timed {
  status: number;
  ms: number;
}

async function timed(url: string, init?: RequestInit): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

function postBatch(url: string, texts: string[]): Promise<Timed> {
  return timed(`${url}/api/v1/predict/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ texts }),
  });
}

describe('hostile input cost (e2e)', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    const workDir = newWorkDir();
    service = await ServiceProcess.start({ MODEL_SOURCE: `file:${writeModelFile(workDir, wordAndCharModel())}` }, { workDir });
  }, 30_000);

  afterAll(async () => {
    await service.stop();
  });

  const perRequest = Math.floor(MAX_REQUEST_CHARACTERS / MAX_TEXT_LENGTH);
  it.each([
    ['unbroken consonant runs', (text: HostileText) => text.consonantRun(MAX_TEXT_LENGTH)],
    ['distinct maximum-length tokens', (text: HostileText) => text.longTokens(MAX_TEXT_LENGTH, MAX_TOKEN_LENGTH)],
  ])(
    'GET /health/live answers within 100 ms during a batch of %s at the request budget',
    async (_shape, make) => {
      const generator = new HostileText(_shape.length);
      const texts = Array.from({ length: perRequest }, () => make(generator));
      const batch = postBatch(service.url, texts);
      // Let the body arrive and scoring start before probing.
      await sleep(30);
      const live = await timed(`${service.url}/health/live`);
      const scored = await batch;
      expect(scored.status).toBe(200);
      expect(live.status).toBe(200);
      if (live.ms >= LIVENESS_BUDGET_MS) {
        throw new Error(`/health/live took ${Math.round(live.ms)} ms during a ${Math.round(scored.ms)} ms hostile batch`);
      }
    },
    60_000,
  );

  it('refuses a batch beyond the request character budget with 413 and says why', async () => {
    const generator = new HostileText(7);
    const texts = Array.from({ length: perRequest + 1 }, () => generator.consonantRun(MAX_TEXT_LENGTH));
    const response = await fetch(`${service.url}/api/v1/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toContain(`${MAX_REQUEST_CHARACTERS} characters`);
  });
});

describe('rate limit counts messages (e2e)', () => {
  const LIMIT = 10;
  let service: ServiceProcess;

  beforeAll(async () => {
    const workDir = newWorkDir();
    service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, wordAndCharModel())}`, RATE_LIMIT_PER_MINUTE: String(LIMIT) },
      { workDir },
    );
  }, 30_000);

  afterAll(async () => {
    await service.stop();
  });

  it(`a batch of ${LIMIT} uses up a limit of ${LIMIT}, across the prediction routes`, async () => {
    const batch = await postBatch(service.url, Array.from({ length: LIMIT }, (_, index) => `message ${index}`));
    expect(batch.status).toBe(200);
    const single = await timed(`${service.url}/api/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'one more' }),
    });
    expect(single.status).toBe(429);
    const invocation = await timed(`${service.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: ['one more'] }),
    });
    expect(invocation.status).toBe(429);
  });
});
