import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowRegistryApi } from '../support/mlflow-registry-api.js';
import { MlflowServer } from '../support/mlflow-server.js';
import { ServiceProcess, sleep } from '../support/service-process.js';
import { startRegistryWithVersions } from '../support/training-cli.js';

const MODEL = 'spam-classifier';
const TEXTS = [
  'WINNER!! You have won a £1000 prize. Call 09061701461 now to claim your reward',
  'Are we still meeting for lunch tomorrow?',
  'URGENT: your account is blocked, verify at bank-verify.info now',
  'ok see you at 7',
];

interface Described {
  version: string;
  shadow: { version: string; alias: string; source: string } | null;
}

async function describeModel(url: string): Promise<Described> {
  return (await (await fetch(`${url}/api/v1/model`)).json()) as Described;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Sum of the samples of one metric family on /metrics whose labels contain `labels`. */
async function metricSum(url: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))]
    .filter((match) => ((match[1] as string | undefined) ?? '').includes(labels))
    .reduce((total, match) => total + Number(match[2]), 0);
}

/** The challenger in shadow against a real MLflow registry with two versions (docs/training.md "Shadow challenger"). */
describe('shadow challenger against a real MLflow registry (integration)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'spam-shadow-'));
  let mlflow: MlflowServer | undefined;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    const registry = await startRegistryWithVersions(workDir, 2);
    mlflow = registry.mlflow;
    const [first, second] = registry.versions;
    expect(first).toMatchObject({ model_version: '1', promoted: true });
    // Same data and seed: passes the floors, is not better than production: the gate names it the challenger.
    expect(second).toMatchObject({ model_version: '2', promoted: false });
  }, 900_000);

  afterAll(async () => {
    await service?.stop();
    await mlflow?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('the gate gave version 2 the alias challenger and tagged its floors', async () => {
    const challenger = await new MlflowRegistryApi(mlflow!.url).aliased(MODEL, 'challenger');
    expect(challenger.version).toBe('2');
    expect(challenger.tags).toEqual(expect.arrayContaining([{ key: 'gate.floors', value: 'passed' }, { key: 'gate.decision', value: 'rejected' }]));
  });

  it('scores every answered message with the challenger, hot-swaps it, and works on without it', async () => {
    const registry = mlflow!;
    service = await ServiceProcess.start(
      {
        MLFLOW_TRACKING_URI: registry.url,
        MODEL_SHADOW_ALIAS: 'challenger',
        MODEL_POLL_INTERVAL_SECONDS: '1',
        MODEL_CACHE_DIR: join(workDir, 'cache'),
        LOG_HASH_KEY: 'shadow-test-key',
      },
      { workDir: mkdtempSync(join(tmpdir(), 'spam-service-')) },
    );
    const url = service.url;
    const loaded = await until('the shadow model', async () => {
      const described = await describeModel(url);
      return described.shadow ? described : undefined;
    });
    expect(loaded).toMatchObject({ version: '1', shadow: { version: '2', alias: 'challenger', source: 'mlflow' } });

    const answer = await fetch(`${url}/api/v1/predict/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texts: TEXTS }),
    });
    const served = (await answer.json()) as { predictions: { label: string }[]; modelVersion: string };
    expect(served.modelVersion).toBe('1');
    const spam = served.predictions.filter((prediction) => prediction.label === 'spam').length;
    expect(spam).toBeGreaterThan(0);
    // Version 2 is the same recipe on the same data: it agrees on every message.
    await until('shadow counters', async () => ((await metricSum(url, 'spam_shadow_predictions_total')) === TEXTS.length ? true : undefined));
    expect(await metricSum(url, 'spam_shadow_predictions_total', 'label="spam",shadow_label="spam"')).toBe(spam);
    expect(await metricSum(url, 'spam_shadow_predictions_total', 'label="ham",shadow_label="ham"')).toBe(TEXTS.length - spam);
    expect(await metricSum(url, 'spam_shadow_window_spam_share')).toBeCloseTo(spam / TEXTS.length, 12);
    expect(await metricSum(url, 'spam_shadow_model_info', 'version="2"')).toBe(1);

    // Hot swap of the challenger: the alias moves to version 1 (promoted by the gate, so also acceptable in shadow).
    await new MlflowRegistryApi(registry.url).setAlias(MODEL, 'challenger', '1');
    await until('the swap to version 1', async () => ((await describeModel(url)).shadow?.version === '1' ? true : undefined));
    await service.waitForLog(
      (event) =>
        (event.event as { action?: string } | undefined)?.action === 'shadow-swap' &&
        (event.spam as { shadow_model_version?: string } | undefined)?.shadow_model_version === '1',
    );

    // No challenger: the shadow goes, the service answers as before.
    await new MlflowRegistryApi(registry.url).deleteAlias(MODEL, 'challenger');
    await until('the shadow to go', async () => ((await describeModel(url)).shadow === null ? true : undefined));
    const before = await metricSum(url, 'spam_shadow_predictions_total');
    const alone = await fetch(`${url}/api/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: TEXTS[0] }) });
    expect(alone.status).toBe(200);
    await sleep(300);
    expect(await metricSum(url, 'spam_shadow_predictions_total')).toBe(before);
    expect(await metricSum(url, 'spam_shadow_model_info')).toBe(0);
    // The text is never logged, not even by the shadow.
    expect(service.stdoutLines.join('\n')).not.toContain('09061701461');
  }, 120_000);
});
