import { writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join } from 'node:path';
import { tinyModel } from '../fixtures/tiny-model.js';
import { FakeVault } from '../support/fake-vault.js';
import { freePort } from '../support/free-port.js';
import { ServiceProcess, newWorkDir, sleep, writeModelFile } from '../support/service-process.js';

const ROOT_TOKEN = 'root-token-never-logged';
const VAULT_ADMIN_KEY = 'admin-key-from-vault';
const SERVICE_ACCOUNT_JWT = 'eyJhbGciOiJSUzI1NiJ9.service-account.signature';

async function reloadStatus(url: string, key: string): Promise<number> {
  return (await fetch(`${url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': key } })).status;
}

interface SecretsDetails {
  status: string;
  source: string;
  state: string;
  lastError?: string;
}

/** The `secrets` entry of the readiness details; the probe itself must stay 200. */
async function readySecrets(url: string): Promise<SecretsDetails> {
  const response = await fetch(`${url}/health/ready`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { details: { secrets: SecretsDetails } }).details.secrets;
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

function vaultOptions(): ConstructorParameters<typeof FakeVault>[0] {
  return {
    rootToken: ROOT_TOKEN,
    kubernetes: { role: 'spam-classifier', jwt: SERVICE_ACCOUNT_JWT, issuedToken: 'k8s-issued-token' },
    secret: { mount: 'secret', path: 'spam-classifier', data: { admin_api_key: VAULT_ADMIN_KEY } },
  };
}

/** Secrets from Vault KV v2 with node-vault, against a fake Vault HTTP server (see FakeVault). */
describe('secrets from Vault (e2e, fake Vault server)', () => {
  const vault = new FakeVault(vaultOptions());

  beforeAll(async () => {
    await vault.start();
  });

  afterAll(async () => {
    await vault.stop();
  });

  it.each([
    ['token auth', () => ({ VAULT_TOKEN: ROOT_TOKEN })],
    [
      'Kubernetes service-account auth',
      (workDir: string) => {
        const jwtPath = join(workDir, 'sa-token');
        writeFileSync(jwtPath, `${SERVICE_ACCOUNT_JWT}\n`);
        return { VAULT_AUTH_METHOD: 'kubernetes', VAULT_K8S_ROLE: 'spam-classifier', VAULT_K8S_JWT_PATH: jwtPath };
      },
    ],
  ])('reads the admin API key with %s and never logs a secret', async (_method, authEnv) => {
    const workDir = newWorkDir();
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
      expect(await reloadStatus(service.url, VAULT_ADMIN_KEY)).toBe(200);
      expect(await reloadStatus(service.url, 'admin-key-from-environment')).toBe(401);
      const startup = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'startup');
      expect(startup.spam).toMatchObject({ secrets_source: 'vault', secrets_state: 'loaded' });
      expect(await readySecrets(service.url)).toEqual({ status: 'up', source: 'vault', state: 'loaded' });
      expectNoSecretIn(service, [ROOT_TOKEN, VAULT_ADMIN_KEY, SERVICE_ACCOUNT_JWT, 'k8s-issued-token']);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('starts degraded while Vault is down, then loads the secrets in the background once it comes up', async () => {
    const port = await freePort();
    const workDir = newWorkDir();
    const lateVault = new FakeVault(vaultOptions());
    // Nothing listens on the port yet: connections are refused, as while a Vault pod restarts.
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: ROOT_TOKEN },
      { workDir },
    );
    try {
      const down = await readySecrets(service.url);
      expect(down).toMatchObject({ status: 'up', source: 'vault', state: 'unavailable' });
      expect(down.lastError).toContain(`cannot read secrets from Vault at http://127.0.0.1:${port}`);
      const refused = await fetch(`${service.url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': VAULT_ADMIN_KEY } });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ message: 'admin API unavailable: secrets not loaded from Vault' });
      const warning = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'secrets-load');
      expect(warning).toMatchObject({ 'log.level': 'warn', event: { outcome: 'failure' } });

      await lateVault.start(port);
      // Backoff 1, 2, 4, 8 s...: the next retry is due within a few seconds of Vault coming up.
      expect(await waitForSecretsState(service.url, 'loaded', 20_000)).toEqual({ status: 'up', source: 'vault', state: 'loaded' });
      expect(lateVault.requests).toContain('GET /v1/secret/data/spam-classifier');
      expect(await reloadStatus(service.url, VAULT_ADMIN_KEY)).toBe(200);
      expect(await reloadStatus(service.url, 'a-wrong-admin-key')).toBe(401);
      await service.waitForLog((event) => event.message === 'secrets loaded from Vault' && event['log.level'] === 'info');
      expectNoSecretIn(service, [ROOT_TOKEN, VAULT_ADMIN_KEY]);
    } finally {
      await service.stop();
      await lateVault.stop();
    }
  }, 40_000);

  it('starts degraded with a clear, secret-free reason when Vault refuses the token', async () => {
    const workDir = newWorkDir();
    const service = await ServiceProcess.start(
      { MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`, VAULT_ADDR: vault.url, VAULT_TOKEN: 'a-wrong-token-never-logged' },
      { workDir },
    );
    try {
      const secrets = await readySecrets(service.url);
      expect(secrets).toMatchObject({ source: 'vault', state: 'unavailable' });
      expect(secrets.lastError).toContain('HTTP 403');
      expect(await reloadStatus(service.url, VAULT_ADMIN_KEY)).toBe(503);
      const warning = await service.waitForLog((event) => (event.event as { action?: string } | undefined)?.action === 'secrets-load');
      expect(JSON.stringify(warning)).toContain('HTTP 403');
      expectNoSecretIn(service, ['a-wrong-token-never-logged', VAULT_ADMIN_KEY]);
    } finally {
      await service.stop();
    }
  }, 30_000);

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
        VAULT_TOKEN: ROOT_TOKEN,
      },
      { workDir },
    );
    try {
      expect(Date.now() - started).toBeLessThan(15_000);
      const secrets = await readySecrets(service.url);
      expect(secrets).toMatchObject({ state: 'unavailable' });
      expect(secrets.lastError).toMatch(/timeout/i);
    } finally {
      await service.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClose) => silent.close(resolveClose));
    }
  }, 30_000);
});
