import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowServer } from '../support/mlflow-server.js';
import { ServiceProcess, sleep } from '../support/service-process.js';
import { runTrainingCli, startRegistryWithVersions } from '../support/training-cli.js';

const POLL_INTERVAL_SECONDS = 1;
const SPAM = 'WINNER!! You have won a £1000 prize. Call 09061701461 now to claim your reward';

interface ModelAnswer {
  label: string;
  modelVersion: string;
}

async function predict(url: string, text: string): Promise<ModelAnswer> {
  const response = await fetch(`${url}/api/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as ModelAnswer;
}

/** Keeps predicting until stopped; records every answer and every failure with the time it happened. */
class SteadyClient {
  readonly answers: { at: number; version: string }[] = [];
  readonly failures: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(url: string, concurrency: number) {
    this.loops = Array.from({ length: concurrency }, async () => {
      while (this.running) {
        try {
          const answer = await predict(url, SPAM);
          this.answers.push({ at: Date.now(), version: answer.modelVersion });
        } catch (error) {
          this.failures.push(String(error));
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe('service against a real MLflow registry (integration)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'spam-integration-'));
  const cacheDir = join(workDir, 'service-cache');
  let mlflow: MlflowServer | undefined;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    const registry = await startRegistryWithVersions(workDir, 2);
    mlflow = registry.mlflow;
    const [first, second] = registry.versions;
    expect(first).toMatchObject({ model_version: '1', promoted: true });
    // The same data and seed again: a tie, so the gate registers version 2 without promoting it.
    expect(second).toMatchObject({ model_version: '2', promoted: false });
  }, 900_000);

  afterAll(async () => {
    await service?.stop();
    await mlflow?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('serves the production version, then hot-swaps to a promoted one with no failed request', async () => {
    const registry = mlflow!;
    service = await ServiceProcess.start(
      { MLFLOW_TRACKING_URI: registry.url, MODEL_CACHE_DIR: cacheDir, MODEL_POLL_INTERVAL_SECONDS: String(POLL_INTERVAL_SECONDS) },
      { workDir: mkdtempSync(join(tmpdir(), 'spam-service-')) },
    );
    const running = service;
    expect(await predict(running.url, SPAM)).toMatchObject({ label: 'spam', modelVersion: '1' });
    const described = (await (await fetch(`${running.url}/api/v1/model`)).json()) as Record<string, unknown>;
    expect(described).toMatchObject({ name: 'spam-classifier', version: '1', alias: 'production', source: 'mlflow' });

    const client = new SteadyClient(running.url, 4);
    await sleep(500);
    await runTrainingCli(['--force-promote', '2', '--output-dir', join(workDir, 'promote')], { MLFLOW_TRACKING_URI: registry.url });
    const promotedAt = Date.now();
    const swapped = await running.waitForLog(
      (event) => (event.spam as { model_version?: string } | undefined)?.model_version === '2' && (event.event as { action?: string }).action === 'model-swap',
      15_000,
    );
    await sleep(1000);
    await client.stop();

    expect(client.failures).toEqual([]);
    const firstOnTwo = client.answers.find((answer) => answer.version === '2');
    expect(firstOnTwo).toBeDefined();
    // Within the poll interval, plus the download and validation of a ~1 MB model on a busy 2-core machine.
    expect(firstOnTwo!.at - promotedAt).toBeLessThan(POLL_INTERVAL_SECONDS * 1000 + 4000);
    // The swap is atomic: once version 2 answered, version 1 never answers again.
    const afterSwap = client.answers.filter((answer) => answer.at > firstOnTwo!.at);
    expect(afterSwap.every((answer) => answer.version === '2')).toBe(true);
    expect(client.answers.length).toBeGreaterThan(50);
    expect(swapped['log.level']).toBe('info');
  }, 120_000);

  it('serves the cached model when MLflow is down at start', async () => {
    // The first service wrote version 2 to the cache when it swapped; now the registry goes away.
    await service?.stop();
    service = undefined;
    await mlflow!.stop();
    const registryUrl = mlflow!.url;
    mlflow = undefined;
    const restarted = await ServiceProcess.start(
      { MLFLOW_TRACKING_URI: registryUrl, MODEL_CACHE_DIR: cacheDir, MODEL_POLL_INTERVAL_SECONDS: String(POLL_INTERVAL_SECONDS) },
      { workDir: mkdtempSync(join(tmpdir(), 'spam-service-')) },
    );
    try {
      expect(await predict(restarted.url, SPAM)).toMatchObject({ label: 'spam', modelVersion: '2' });
      const described = (await (await fetch(`${restarted.url}/api/v1/model`)).json()) as Record<string, unknown>;
      expect(described).toMatchObject({ version: '2', source: 'cache' });
      const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
      expect(metrics).toContain('model_info{name="spam-classifier",version="2",source="cache"} 1');
    } finally {
      await restarted.stop();
    }
  }, 60_000);
});
