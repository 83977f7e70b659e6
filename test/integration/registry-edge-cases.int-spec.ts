import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowServer } from '../support/mlflow-server.js';
import { MlflowRegistryApi } from '../support/mlflow-registry-api.js';
import { ServiceProcess, sleep } from '../support/service-process.js';
import { type TrainingSummary, startRegistryWithVersions } from '../support/training-cli.js';

const MODEL = 'spam-classifier';
const ADMIN_KEY = 'registry-edge-cases-admin-key';

interface Described {
  version: string;
  source: string;
}

/** What the proxy in front of MLflow does: pass requests on, answer model.json with a login page, or be down. */
type ProxyMode = 'pass' | 'html-model' | 'down';
const LOGIN_PAGE = '<!DOCTYPE html><html><body><form action="/login">Sign in to continue</form></body></html>';

/**
 * A loopback HTTP proxy in front of the real MLflow server, as an auth proxy or ingress would sit in front of it:
 * it can answer with an HTML page (200 for the model file, 503 for everything) instead of MLflow's JSON.
 */
class RegistryProxy {
  mode: ProxyMode = 'pass';
  url = '';
  private readonly server: Server;

  constructor(private readonly upstream: string) {
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolveListen) => this.server.listen(0, '127.0.0.1', resolveListen));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolveClose) => this.server.close(resolveClose));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const isModelFile = request.url?.includes('mlflow-artifacts/artifacts/') && request.url.endsWith('/model.json');
    if (this.mode === 'down' || (this.mode === 'html-model' && isModelFile)) {
      response.writeHead(this.mode === 'down' ? 503 : 200, { 'content-type': 'text/html' }).end(LOGIN_PAGE);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${this.upstream}${request.url ?? '/'}`, {
      method: request.method,
      headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  }
}

async function described(url: string): Promise<Described | undefined> {
  const response = await fetch(`${url}/api/v1/model`);
  return response.status === 200 ? ((await response.json()) as Described) : undefined;
}

async function waitForServed(url: string, version: string, timeoutMs: number): Promise<Described | undefined> {
  const deadline = Date.now() + timeoutMs;
  let current = await described(url);
  while (current?.version !== version && Date.now() < deadline) {
    await sleep(200);
    current = await described(url);
  }
  return current;
}

async function reload(url: string): Promise<{ status: number; body: { result?: string; version?: string; message?: string } }> {
  const response = await fetch(`${url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY } });
  return { status: response.status, body: (await response.json()) as { result?: string; version?: string; message?: string } };
}

/**
 * The smaller registry fixes of issue 11, each against a real `mlflow server`: one version trained by the real
 * training CLI, further versions registered by hand from its artifacts (byte-identical content), as an operator or an
 * older pipeline would. Each case failed with its fix reverted (see the issue 11 note).
 */
describe('registry edge cases against a real MLflow server (integration)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'spam-registry-edges-'));
  let mlflow: MlflowServer | undefined;
  let api: MlflowRegistryApi;
  let proxy: RegistryProxy | undefined;
  let first: TrainingSummary;
  const services: ServiceProcess[] = [];

  async function startService(env: Record<string, string>, waitForReady = true): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(
      { MLFLOW_TRACKING_URI: mlflow!.url, MODEL_POLL_INTERVAL_SECONDS: '1', ADMIN_API_KEY: ADMIN_KEY, ...env },
      { workDir: mkdtempSync(join(tmpdir(), 'spam-service-')), waitForReady },
    );
    services.push(service);
    return service;
  }

  beforeAll(async () => {
    const registry = await startRegistryWithVersions(workDir, 1);
    mlflow = registry.mlflow;
    api = new MlflowRegistryApi(mlflow.url);
    [first] = registry.versions;
    expect(first).toMatchObject({ model_version: '1', promoted: true });
    proxy = new RegistryProxy(mlflow.url);
    await proxy.start();
  }, 900_000);

  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
  });

  afterAll(async () => {
    await proxy?.stop();
    await mlflow?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('serves a new version whose content is byte-identical to the served one under its own version number', async () => {
    const service = await startService({});
    expect(await described(service.url)).toMatchObject({ version: '1', source: 'mlflow' });
    const copy = await api.copyVersion(MODEL, '1');
    await api.setTag(MODEL, copy, 'gate.decision', 'promoted');
    await api.setAlias(MODEL, 'production', copy);
    expect(await waitForServed(service.url, copy, 10_000)).toMatchObject({ version: copy, source: 'mlflow' });
  }, 60_000);

  it.each([
    ['without a gate verdict', undefined, 'has no gate.decision tag'],
    // RUN_PROJECT_STEPS.md demo step 6: promoting the rejected version 2 by hand in the MLflow UI.
    ['the gate rejected', 'rejected', 'gate.decision=rejected: the gate did not promote it'],
  ])('refuses a version %s until an operator tags the override', async (_case, decision, reason) => {
    const service = await startService({});
    const served = (await described(service.url))!.version;
    const version = await api.copyVersion(MODEL, '1');
    if (decision) await api.setTag(MODEL, version, 'gate.decision', decision);
    await api.setAlias(MODEL, 'production', version);
    const refused = await reload(service.url);
    expect(refused).toMatchObject({ status: 502, body: { result: 'refused', version } });
    expect(refused.body.message).toContain(reason);
    expect((await described(service.url))!.version).toBe(served);

    await api.setTag(MODEL, version, 'gate.override', 'force-promoted');
    expect(await reload(service.url)).toMatchObject({ status: 200, body: { result: 'swapped', version } });
  }, 60_000);

  it('falls back to the legacy stage of MODEL_ALIAS, not always Production', async () => {
    // A pre-alias registry: version 1 in Production, a copy in Staging, and no "staging" alias.
    const staged = await api.copyVersion(MODEL, '1');
    await api.setTag(MODEL, staged, 'gate.decision', 'promoted');
    await api.transitionStage(MODEL, '1', 'Production');
    await api.transitionStage(MODEL, staged, 'Staging');
    const service = await startService({ MODEL_ALIAS: 'staging' });
    expect(await described(service.url)).toMatchObject({ version: staged, source: 'mlflow' });
  }, 60_000);

  it('retries a model body that is not JSON (an auth proxy login page) instead of refusing the version', async () => {
    const registry = proxy!;
    registry.mode = 'html-model';
    const expected = await api.aliasVersion(MODEL, 'production');
    const service = await startService({ MLFLOW_TRACKING_URI: registry.url }, false);
    const unavailable = await service.waitForLog((event) => event.message === 'model source unavailable; the served model is unchanged', 20_000);
    expect(JSON.stringify(unavailable)).toContain('is not JSON');
    registry.mode = 'pass';
    // First-load retries back off 1, 2, 4 s: the next one after the proxy lets MLflow's answer through loads it.
    expect(await waitForServed(service.url, expected, 20_000)).toMatchObject({ version: expected, source: 'mlflow' });
    expect(service.events().some((event) => event.message === 'new model refused; the served model is unchanged')).toBe(false);
  }, 60_000);

  it('does not let the start-up cache load replace a newer model that a reload swapped in meanwhile', async () => {
    const registry = proxy!;
    registry.mode = 'down';
    // The cache holds version 1. Its model.json is a FIFO: the service's read of it blocks until the test writes,
    // which holds the cache load open exactly while the reload below swaps the newer version in.
    const cacheDir = join(workDir, 'slow-cache');
    mkdirSync(cacheDir);
    const oldBytes = readFileSync(first.model_path);
    const oldDescriptor = { name: MODEL, version: '1', runId: first.run_id, sha256: createHash('sha256').update(oldBytes).digest('hex') };
    writeFileSync(join(cacheDir, 'model-descriptor.json'), JSON.stringify(oldDescriptor));
    execFileSync('mkfifo', [join(cacheDir, 'model.json')]);

    const newer = await api.copyVersion(MODEL, '1');
    await api.setTag(MODEL, newer, 'gate.decision', 'promoted');
    await api.setAlias(MODEL, 'production', newer);

    // No polling during the test: only the reload below may swap (a poll would hide a cache load over the newer model).
    const service = await startService({ MLFLOW_TRACKING_URI: registry.url, MODEL_CACHE_DIR: cacheDir, MODEL_POLL_INTERVAL_SECONDS: '300' }, false);
    // Opening the FIFO for writing returns once the service opened it for reading: its registry check has failed
    // and the cache load has begun.
    const fifo = await open(join(cacheDir, 'model.json'), 'w');
    registry.mode = 'pass';
    const swapped = await reload(service.url);
    expect(swapped).toMatchObject({ status: 200, body: { result: 'swapped', version: newer } });
    await fifo.writeFile(oldBytes);
    await fifo.close();
    await sleep(1500);
    expect(await described(service.url)).toMatchObject({ version: newer, source: 'mlflow' });
    expect(service.events().filter((event) => (event.spam as { model_source?: string } | undefined)?.model_source === 'cache')).toEqual([]);
  }, 60_000);
});
