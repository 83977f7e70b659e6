import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { TINY_SPAM_TEXT, tinyModel } from '../fixtures/tiny-model.js';
import { ServiceProcess, newWorkDir, sleep, writeModelFile } from '../support/service-process.js';

const ADMIN_KEY = 'admin-key-for-lifecycle-tests';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function predictStatus(url: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: TINY_SPAM_TEXT }),
  });
  return response.status;
}

/** The `Connection` header of a keep-alive GET (node:http, which reports hop-by-hop headers as sent). */
function connectionHeader(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { connection: 'keep-alive' } }, (response) => {
      response.resume();
      resolve(response.headers.connection);
    }).on('error', reject);
  });
}

describe('model lifecycle (e2e)', () => {
  it('swaps to a changed model file, refuses a broken one and keeps serving the last good model', async () => {
    const workDir = newWorkDir();
    const modelPath = writeModelFile(workDir, tinyModel());
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${modelPath}`, MODEL_POLL_INTERVAL_SECONDS: '0.2', ADMIN_API_KEY: ADMIN_KEY },
      { workDir },
    );
    try {
      const first = (await getJson(`${service.url}/api/v1/model`)).body.version as string;

      // Broken: coefficients no longer match the vocabulary. Refused, counted, logged; the old model serves on.
      writeFileSync(modelPath, JSON.stringify(tinyModel({ classifier: { type: 'logistic_regression', coefficients: [1], intercept: 0 } })));
      await service.waitForLog((event) => (event.event as { action?: string; outcome?: string } | undefined)?.outcome === 'failure' && (event.event as { action: string }).action === 'model-swap');
      expect((await getJson(`${service.url}/api/v1/model`)).body.version).toBe(first);
      expect(await predictStatus(service.url)).toBe(200);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/model_reload_total\{result="failure"\} [1-9]/);

      // Valid again with a different threshold: swapped within the poll interval.
      writeFileSync(modelPath, JSON.stringify(tinyModel({ threshold: 0.4 })));
      const deadline = Date.now() + 5000;
      let version = first;
      while (version === first && Date.now() < deadline) {
        await sleep(100);
        version = (await getJson(`${service.url}/api/v1/model`)).body.version as string;
      }
      expect(version).not.toBe(first);
      expect(version).toMatch(/^file-[0-9a-f]{12}$/);

      const reload = await fetch(`${service.url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY } });
      expect(reload.status).toBe(200);
      expect(await reload.json()).toMatchObject({ result: 'unchanged', version });
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('stays up but not ready when neither the registry nor a cache has a model', async () => {
    // A port nothing listens on: the registry is down, and the fresh cache directory is empty.
    const service = await ServiceProcess.start({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' }, { waitForReady: false });
    try {
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      const ready = await getJson(`${service.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toContain('no model loaded yet');
      expect(await predictStatus(service.url)).toBe(503);
      expect((await getJson(`${service.url}/api/v1/info`)).body.model).toBeNull();
      // It keeps retrying with backoff.
      await service.waitForLog((event) => (event.spam as { retry_in_seconds?: number } | undefined)?.retry_in_seconds === 2);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('on SIGTERM turns readiness 503 at once, keeps answering during the drain delay, then exits 0', async () => {
    const workDir = newWorkDir();
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, SHUTDOWN_DELAY_SECONDS: '1.5' },
      { workDir },
    );
    expect(await connectionHeader(`${service.url}/health/live`)).toBe('keep-alive');
    service.signal('SIGTERM');
    await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'shutdown');
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(503);
    expect(await predictStatus(service.url)).toBe(200);
    // Keep-alive connections are closed after each answer while draining (per-connection balancers, kube-proxy).
    expect(await connectionHeader(`${service.url}/health/live`)).toBe('close');
    expect(await service.exited()).toBe(0);
    await service.stop();
  }, 30_000);

  it('rate-limits the prediction routes per client, not health or metrics', async () => {
    const workDir = newWorkDir();
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, RATE_LIMIT_PER_MINUTE: '3' },
      { workDir },
    );
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await predictStatus(service.url));
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${service.url}/metrics`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  }, 30_000);
});
