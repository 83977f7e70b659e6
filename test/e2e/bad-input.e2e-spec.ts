import { BAD_INPUT_CORPUS, type BadInputCase, PREDICT } from '../bad-input/corpus.js';
import { tinyModel } from '../fixtures/tiny-model.js';
import { ServiceProcess, newWorkDir, writeModelFile } from '../support/service-process.js';

async function send(url: string, input: BadInputCase): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...input.headers };
  const contentType = input.contentType === undefined ? 'application/json' : input.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const response = await fetch(`${url}${input.path ?? PREDICT}`, {
    method: input.method ?? 'POST',
    headers,
    body: input.body,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

describe('bad-input corpus (e2e)', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    const workDir = newWorkDir();
    service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, ADMIN_API_KEY: 'a-long-admin-key-for-tests' },
      { workDir },
    );
  });

  afterAll(async () => {
    await service.stop();
  });

  it('has at least 30 cases', () => {
    expect(BAD_INPUT_CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_INPUT_CORPUS.map((input) => [input.name, input] as const))('%s -> 4xx with a JSON reason', async (_name, input) => {
    const { status, body } = await send(service.url, input);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    if (input.status !== undefined) expect(status).toBe(input.status);
    expect(body).toEqual(expect.objectContaining({ message: expect.anything() }));
  });

  it('still serves after the corpus, and stdout stayed one JSON object per line', async () => {
    const response = await fetch(`${service.url}/api/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'still alive?' }),
    });
    expect(response.status).toBe(200);
    await service.waitForLog((event) => (event.url as { path?: string } | undefined)?.path === '/api/v1/predict' && (event.http as { response: { status_code: number } }).response.status_code === 200);
    const events = service.events();
    const accessEvents = events.filter((event) => (event.event as { action?: string } | undefined)?.action === 'http-request');
    expect(accessEvents.length).toBeGreaterThanOrEqual(BAD_INPUT_CORPUS.length + 1);
    expect(events.filter((event) => event['log.level'] === 'error')).toEqual([]);
    expect(service.stderrText.join('')).toBe('');
  });
});
