import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyModel } from '../fixtures/tiny-model.js';
import { FakeVault } from '../support/fake-vault.js';
import { REPO_ROOT, ServiceProcess, newWorkDir, writeModelFile } from '../support/service-process.js';

const ROOT_TOKEN = 'root-token-never-logged';
const VAULT_ADMIN_KEY = 'admin-key-from-vault';
const SERVICE_ACCOUNT_JWT = 'eyJhbGciOiJSUzI1NiJ9.service-account.signature';

async function reloadStatus(url: string, key: string): Promise<number> {
  return (await fetch(`${url}/api/v1/model/reload`, { method: 'POST', headers: { 'x-api-key': key } })).status;
}

/** Secrets from Vault KV v2 with node-vault, against a fake Vault HTTP server (see FakeVault). */
describe('secrets from Vault (e2e, fake Vault server)', () => {
  const vault = new FakeVault({
    rootToken: ROOT_TOKEN,
    kubernetes: { role: 'spam-classifier', jwt: SERVICE_ACCOUNT_JWT, issuedToken: 'k8s-issued-token' },
    secret: { mount: 'secret', path: 'spam-classifier', data: { admin_api_key: VAULT_ADMIN_KEY } },
  });

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
      expect(startup.spam).toMatchObject({ secrets_source: 'vault' });
      const stdout = service.stdoutLines.join('\n');
      for (const secret of [ROOT_TOKEN, VAULT_ADMIN_KEY, SERVICE_ACCOUNT_JWT, 'k8s-issued-token']) expect(stdout).not.toContain(secret);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('fails the start with exit code 1 and a clear, secret-free message when Vault refuses', async () => {
    const workDir = newWorkDir();
    // Asynchronous on purpose: the fake Vault answers from this very process.
    const result = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        MODEL_SOURCE: `file:${writeModelFile(workDir, tinyModel())}`,
        VAULT_ADDR: vault.url,
        VAULT_TOKEN: 'a-wrong-token-never-logged',
      },
      encoding: 'utf8',
      timeout: 20_000,
    }).then(
      () => ({ status: 0, stdout: '' }),
      (error: unknown) => {
        const failed = error as { code?: number; stdout: string };
        return { status: failed.code, stdout: failed.stdout };
      },
    );
    expect(result.status).toBe(1);
    const failure = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).at(-1);
    expect(failure).toMatchObject({ 'log.level': 'error', message: 'start-up failed' });
    expect(JSON.stringify(failure)).toContain('HTTP 403');
    expect(result.stdout).not.toContain('a-wrong-token-never-logged');
  });
});
