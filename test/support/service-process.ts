import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PortableModel } from '../../src/prediction/scoring/portable-model.js';

import { APP_ROOT } from '../../src/app-root.js';

/** Tests run from the source tree, so the app root is the repository root. */
export const REPO_ROOT = APP_ROOT;
const MAIN = join(REPO_ROOT, 'dist', 'main.js');

export type LogEvent = Record<string, unknown> & { message?: string };

/**
 * The built service (`node dist/main.js`, as in the image) as a child process on 127.0.0.1 and a free ephemeral
 * port. Tests talk to it over real HTTP and read its real stdout. (In-process booting is not possible here: NestJS 12
 * is ESM-only and jest on Node 20 cannot load it from the CommonJS packages nest-winston and @nestjs/throttler.)
 */
export class ServiceProcess {
  readonly stdoutLines: string[] = [];
  readonly stderrText: string[] = [];
  url = '';
  private exit?: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly workDir: string,
  ) {}

  static async start(env: Record<string, string>, options: { waitForReady?: boolean; workDir?: string } = {}): Promise<ServiceProcess> {
    const workDir = options.workDir ?? newWorkDir();
    const child = spawn(process.execPath, [MAIN], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOST: '127.0.0.1',
        PORT: '0',
        MODEL_CACHE_DIR: join(workDir, 'cache'),
        RATE_LIMIT_PER_MINUTE: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, workDir);
    service.exit = new Promise((resolveExit) => {
      child.on('exit', (code) => {
        resolveExit(code);
      });
    });
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      service.stdoutLines.push(...lines);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => service.stderrText.push(chunk));
    const listening = await service.waitForLog((event) => typeof (event.server as { port?: number } | undefined)?.port === 'number', 20_000);
    service.url = `http://127.0.0.1:${(listening.server as { port: number }).port}`;
    if (options.waitForReady ?? true) await service.waitUntilReady();
    return service;
  }

  /** Every stdout line parsed as one JSON object; throws on the first line that is anything else. */
  events(): LogEvent[] {
    return this.stdoutLines.map((line) => {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`log line is not an object: ${line}`);
      return parsed as LogEvent;
    });
  }

  async waitForLog(matches: (event: LogEvent) => boolean, timeoutMs = 10_000): Promise<LogEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.stdoutLines.map(tryParse).find((event) => event !== undefined && matches(event));
      if (found) return found;
      if (this.child.exitCode !== null) {
        throw new Error(`service exited with ${this.child.exitCode}: ${this.stderrText.join('')}${this.stdoutLines.join('\n')}`);
      }
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms:\n${this.stdoutLines.join('\n')}`);
      await sleep(25);
    }
  }

  async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const response = await fetch(`${this.url}/health/ready`).catch(() => undefined);
      if (response?.status === 200) return;
      await sleep(50);
    }
    throw new Error(`service not ready within ${timeoutMs} ms:\n${this.stdoutLines.join('\n')}`);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  exited(): Promise<number | null> {
    return this.exit ?? Promise.resolve(null);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const code = await this.exited();
    rmSync(this.workDir, { recursive: true, force: true });
    return code;
  }
}

export function writeModelFile(directory: string, model: PortableModel, name = 'model.json'): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify(model));
  return path;
}

export function newWorkDir(): string {
  return mkdtempSync(join(tmpdir(), 'spam-service-test-'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

function tryParse(line: string): LogEvent | undefined {
  try {
    return JSON.parse(line) as LogEvent;
  } catch {
    return undefined;
  }
}
