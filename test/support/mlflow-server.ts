import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { REPO_ROOT, sleep } from './service-process.js';

/**
 * A real `mlflow server` from the project venv on 127.0.0.1 and a free port, sqlite-backed, proxying artifacts
 * (`mlflow-artifacts:` URIs) as in production. Host-header checking stays on: the test's own address is allowed.
 */
export class MlflowServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(directory: string, timeoutMs = 180_000): Promise<MlflowServer> {
    mkdirSync(directory, { recursive: true });
    const port = await freePort();
    const child = spawn(
      join(REPO_ROOT, '.venv', 'bin', 'mlflow'),
      [
        'server',
        '--host', '127.0.0.1',
        '--port', String(port),
        '--workers', '1',
        '--backend-store-uri', `sqlite:///${join(directory, 'mlflow.db')}`,
        '--artifacts-destination', join(directory, 'artifacts'),
        '--serve-artifacts',
        '--allowed-hosts', `127.0.0.1:${port},localhost:${port}`,
      ],
      // Own process group: the server forks workers, and stop() must end all of them (only them).
      { cwd: directory, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const server = new MlflowServer(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`mlflow server exited with ${child.exitCode}:\n${output.join('')}`);
      const response = await fetch(`${server.url}/health`).catch(() => undefined);
      if (response?.ok) return server;
      await sleep(250);
    }
    await server.stop();
    throw new Error(`mlflow server not up within ${timeoutMs} ms:\n${output.join('')}`);
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    process.kill(-pid, 'SIGTERM');
    const timer = setTimeout(() => {
      process.kill(-pid, 'SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
  }
}
