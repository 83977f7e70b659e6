import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT, sleep } from '../support/service-process.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<boolean> {
  return (await fetch(url).catch(() => undefined)) !== undefined;
}

/** deploy/local/run.sh (what `make run` calls) on free ports and a temporary store: comes up, predicts, Ctrl-C stops all. */
describe('make run (deploy/local/run.sh)', () => {
  const store = mkdtempSync(join(tmpdir(), 'spam-make-run-'));
  let script: ChildProcess | undefined;

  afterAll(() => {
    // Only if an assertion failed half-way: end the script's own process group.
    if (script?.pid !== undefined && script.exitCode === null) process.kill(-script.pid, 'SIGKILL');
    rmSync(store, { recursive: true, force: true });
  });

  it('starts MLflow and the service, trains when the store is empty, prints both URLs and stops both on SIGINT', async () => {
    const [mlflowPort, servicePort] = [await freePort(), await freePort()];
    const started = spawn(join(REPO_ROOT, 'deploy', 'local', 'run.sh'), [], {
      cwd: REPO_ROOT,
      env: { ...process.env, MLFLOW_PORT: String(mlflowPort), PORT: String(servicePort), MLFLOW_STORE_DIR: store, TRAIN_ARGS: '--quick' },
      // Its own process group, like a terminal's foreground job that Ctrl-C signals as a whole.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    script = started;
    let stderr = '';
    started.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    started.stdout.resume();
    const exited = new Promise<number | null>((resolveExit) => started.on('exit', resolveExit));

    const serviceUrl = `http://127.0.0.1:${servicePort}`;
    const deadline = Date.now() + 480_000;
    while (!stderr.includes('Ctrl-C stops both')) {
      if (started.exitCode !== null || Date.now() > deadline) throw new Error(`run.sh did not come up:\n${stderr}`);
      await sleep(500);
    }
    expect(stderr).toContain(`MLflow UI:  http://127.0.0.1:${mlflowPort}`);
    expect(stderr).toContain(`Service:    ${serviceUrl}`);
    const response = await fetch(`${serviceUrl}/api/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'WINNER!! Claim your £1000 prize now, call 09061701461' }),
    });
    expect(await response.json()).toMatchObject({ label: 'spam', modelVersion: '1' });

    const pids = [...stderr.matchAll(/(?:mlflow server|service) pid (\d+)/g)].map((match) => Number(match[1]));
    expect(pids).toHaveLength(2);
    process.kill(-started.pid!, 'SIGINT');
    expect(await exited).toBe(130);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(await answers(`${serviceUrl}/health/live`)).toBe(false);
    expect(await answers(`http://127.0.0.1:${mlflowPort}/health`)).toBe(false);
  }, 600_000);
});
