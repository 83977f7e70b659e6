import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { tinyModel } from '../fixtures/tiny-model.js';
import { freePort } from '../support/free-port.js';
import { OpenBaoServer, configureWithAnsible } from '../support/openbao-server.js';
import { ServiceProcess, newWorkDir, sleep, writeModelFile } from '../support/service-process.js';
import { TokenReviewStandIn, serviceAccountJwt } from '../support/token-review-stand-in.js';

// Names of docs/deployment.md (Vault table); the values are fresh per run.
const POLICY = 'spam-classifier-read';
const SERVICE_ACCOUNT = { namespace: 'spam-classifier', name: 'spam-classifier', uid: '3f6c2a8e-5d1b-4c7a-9e0f-1a2b3c4d5e6f' };
const ANSIBLE_ADMIN_KEY = `admin-key-written-by-ansible-${randomBytes(6).toString('hex')}`;
const SERVICE_ACCOUNT_JWT = serviceAccountJwt(SERVICE_ACCOUNT);

async function reloadStatus(url: string, key: string): Promise<number> {
  return (await fetch(`${url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': key } })).status;
}

interface SecretsDetails {
  status: string;
  source: string;
  state: string;
  failure?: string;
}

/** The `secrets` entry of the readiness details; the probe itself must stay 200. */
async function readySecrets(url: string): Promise<SecretsDetails> {
  const response = await fetch(`${url}/health/ready`);
  expect(response.status).toBe(200);
  const body = await response.text();
  // Anonymous callers never learn the Vault address or the raw error (it is in the secrets-load log event).
  expect(body).not.toMatch(/127\.0\.0\.1|cannot read secrets|HTTP \d{3}/);
  return (JSON.parse(body) as { details: { secrets: SecretsDetails } }).details.secrets;
}

async function waitForSecretsState(url: string, state: string, timeoutMs: number): Promise<SecretsDetails> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const secrets = await readySecrets(url);
    if (secrets.state === state || Date.now() > deadline) return secrets;
    await sleep(100);
  }
}

function expectNoSecretIn(service: ServiceProcess, secrets: readonly string[]): void {
  // Every line must also stay JSON: events() throws on anything else.
  expect(service.events().length).toBeGreaterThan(0);
  const stdout = service.stdoutLines.join('\n');
  for (const secret of secrets) expect(stdout).not.toContain(secret);
}

function kubernetesAuthEnv(workDir: string): Record<string, string> {
  const jwtPath = join(workDir, 'sa-token');
  writeFileSync(jwtPath, `${SERVICE_ACCOUNT_JWT}\n`);
  return { VAULT_AUTH_METHOD: 'kubernetes', VAULT_K8S_ROLE: 'spam-classifier', VAULT_K8S_JWT_PATH: jwtPath };
}

function secretsLoadedLines(service: ServiceProcess): number {
  return service.events().filter((event) => event.message === 'secrets loaded from Vault').length;
}

/**
 * Secrets from Vault KV v2 with node-vault, against a REAL Vault-API server: OpenBao's `bao server -dev`, configured
 * by the project's own `ansible/secrets.yml` (KV v2 secret, read-only policy, Kubernetes auth). The one stand-in is the
 * Kubernetes TokenReview API that Vault's Kubernetes auth calls (TokenReviewStandIn): no cluster runs here.
 */
describe('secrets from Vault (e2e, real OpenBao server configured by Ansible)', () => {
  const tokenReview = new TokenReviewStandIn(SERVICE_ACCOUNT_JWT, SERVICE_ACCOUNT);
  let vault: OpenBaoServer;
  let serviceToken: string;

  beforeAll(async () => {
    await tokenReview.start();
    vault = await OpenBaoServer.start();
    await configureWithAnsible(vault, { secrets: { admin_api_key: ANSIBLE_ADMIN_KEY }, kubernetesHost: tokenReview.url });
    // Token auth for local runs: a token that carries only the policy Ansible wrote, as the service's identity.
    serviceToken = await vault.createToken([POLICY]);
  }, 180_000);

  afterAll(async () => {
    await vault.stop();
    await tokenReview.stop();
  });

  it.each([
    ['a token of the read-only policy', () => ({ VAULT_TOKEN: serviceToken })],
    ['Kubernetes service-account auth', kubernetesAuthEnv],
  ])('accepts the admin key Ansible wrote with %s, refuses others, and never logs a secret', async (method, authEnv) => {
    const workDir = newWorkDir();
    const reviewsBefore = tokenReview.reviews;
    const service = await ServiceProcess.start(
      {
        MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`,
        VAULT_ADDR: vault.url,
        // Ignored when Vault is configured: Vault is the source of secrets.
        ADMIN_API_KEY: 'admin-key-from-environment',
        ...authEnv(workDir),
      },
      { workDir },
    );
    try {
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(200);
      expect(await reloadStatus(service.url, 'admin-key-from-environment')).toBe(401);
      expect(await reloadStatus(service.url, 'a-wrong-admin-key')).toBe(401);
      const startup = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'startup');
      expect(startup.spam).toMatchObject({ secrets_source: 'vault', secrets_state: 'loaded' });
      expect(await readySecrets(service.url)).toEqual({ status: 'up', source: 'vault', state: 'loaded' });
      if (method.startsWith('Kubernetes')) expect(tokenReview.reviews).toBeGreaterThan(reviewsBefore);
      expectNoSecretIn(service, [vault.rootToken, serviceToken, ANSIBLE_ADMIN_KEY, SERVICE_ACCOUNT_JWT]);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('uses a key rotated in Vault within the refresh interval, without a restart', async () => {
    const workDir = newWorkDir();
    const rotated = `rotated-admin-key-${randomBytes(6).toString('hex')}`;
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, VAULT_ADDR: vault.url, VAULT_TOKEN: serviceToken, VAULT_REFRESH_INTERVAL_SECONDS: '1' },
      { workDir },
    );
    try {
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(200);
      // The service's own identity may read but not rotate: the policy is read-only.
      expect((await vault.api('POST', 'secret/data/spam-classifier', { data: { admin_api_key: rotated } }, serviceToken)).status).toBe(403);
      expect((await vault.api('POST', 'secret/data/spam-classifier', { data: { admin_api_key: rotated } })).status).toBe(200);
      const rotatedAt = Date.now();
      while ((await reloadStatus(service.url, rotated)) !== 200) {
        // Bound: one refresh interval (1 s) plus one read (at most its 3 s timeout), plus 2 s for a loaded machine.
        expect(Date.now() - rotatedAt).toBeLessThan(6_000);
        await sleep(100);
      }
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(401);
      // One line for the first load, one for the rotation; the unchanged re-reads in between log nothing.
      expect(secretsLoadedLines(service)).toBe(2);
      expectNoSecretIn(service, [rotated, ANSIBLE_ADMIN_KEY, serviceToken]);
    } finally {
      await service.stop();
      expect((await vault.api('POST', 'secret/data/spam-classifier', { data: { admin_api_key: ANSIBLE_ADMIN_KEY } })).status).toBe(200);
    }
  }, 30_000);

  it('starts degraded with a clear, secret-free reason when Vault refuses the token', async () => {
    const workDir = newWorkDir();
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, VAULT_ADDR: vault.url, VAULT_TOKEN: 'a-wrong-token-never-logged' },
      { workDir },
    );
    try {
      const secrets = await readySecrets(service.url);
      expect(secrets).toMatchObject({ source: 'vault', state: 'unavailable' });
      expect(secrets.failure).toBe('vault-refused');
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(503);
      const warning = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'secrets-load');
      expect(JSON.stringify(warning)).toContain('HTTP 403');
      expectNoSecretIn(service, ['a-wrong-token-never-logged', ANSIBLE_ADMIN_KEY]);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('degrades while Vault is down (at start-up and later) and recovers each time it is back', async () => {
    const port = await freePort();
    const workDir = newWorkDir();
    // Nothing listens on the port yet: connections are refused, as while a Vault pod restarts.
    const service = await ServiceProcess.start(
      {
        MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`,
        VAULT_ADDR: `http://127.0.0.1:${port}`,
        VAULT_REFRESH_INTERVAL_SECONDS: '1',
        ...kubernetesAuthEnv(workDir),
      },
      { workDir },
    );
    let late: OpenBaoServer | undefined;
    try {
      const down = await readySecrets(service.url);
      expect(down).toMatchObject({ status: 'up', source: 'vault', state: 'unavailable' });
      expect(down.failure).toBe('vault-unreachable');
      const refused = await fetch(`${service.url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': ANSIBLE_ADMIN_KEY } });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ message: 'admin API unavailable: secrets not loaded from Vault' });
      const warning = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'secrets-load');
      expect(warning).toMatchObject({ 'log.level': 'warn', event: { outcome: 'failure' } });

      // Vault comes up and Ansible configures it: retries are capped at the 1 s refresh interval.
      late = await OpenBaoServer.start(port);
      await configureWithAnsible(late, { secrets: { admin_api_key: ANSIBLE_ADMIN_KEY }, kubernetesHost: tokenReview.url });
      expect(await waitForSecretsState(service.url, 'loaded', 10_000)).toEqual({ status: 'up', source: 'vault', state: 'loaded' });
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(200);

      // Vault stops: the next re-read fails, the admin API refuses with 503, readiness stays 200 and says why.
      await late.stop();
      const stopped = await waitForSecretsState(service.url, 'unavailable', 10_000);
      expect(stopped).toMatchObject({ status: 'up', source: 'vault', state: 'unavailable' });
      expect(stopped.failure).toBe('vault-unreachable');
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(503);

      // A dev-mode Vault restarts empty: until Ansible runs again the login is refused; then the service recovers.
      await late.start();
      await configureWithAnsible(late, { secrets: { admin_api_key: ANSIBLE_ADMIN_KEY }, kubernetesHost: tokenReview.url });
      expect(await waitForSecretsState(service.url, 'loaded', 10_000)).toEqual({ status: 'up', source: 'vault', state: 'loaded' });
      expect(await reloadStatus(service.url, ANSIBLE_ADMIN_KEY)).toBe(200);
      expect(secretsLoadedLines(service)).toBe(2);
      expectNoSecretIn(service, [ANSIBLE_ADMIN_KEY, SERVICE_ACCOUNT_JWT, late.rootToken]);
    } finally {
      await service.stop();
      await late?.stop();
    }
  }, 120_000);

  it('bounds the start-up read when Vault accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolveListen) => silent.listen(0, '127.0.0.1', resolveListen));
    const address = silent.address();
    const workDir = newWorkDir();
    const started = Date.now();
    const service = await ServiceProcess.start(
      {
        MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`,
        VAULT_ADDR: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
        VAULT_TOKEN: 'any-token',
      },
      { workDir },
    );
    try {
      expect(Date.now() - started).toBeLessThan(15_000);
      const secrets = await readySecrets(service.url);
      expect(secrets).toMatchObject({ state: 'unavailable' });
      expect(secrets.failure).toBe('vault-timeout');
    } finally {
      await service.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClose) => silent.close(resolveClose));
    }
  }, 30_000);
});
