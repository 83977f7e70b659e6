import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { sleep } from '../support/service-process.js';
import { processUid, TEST_USER, type UnprivilegedCopy, unprivilegedCopy } from '../support/unprivileged-copy.js';

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

/**
 * Live processes of a user (empty when none is left). Zombies are left out: they have exited already, and where
 * PID 1 does not reap orphans (some containers) an MLflow worker stays one after its parent is gone.
 */
function processesOf(user: string): string {
  const lines = execFileSync('ps', ['-e', '-o', 'user:32=,stat=,pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([owner, stat]) => owner === user && !stat.startsWith('Z'))
    .map((fields) => fields.slice(2).join(' '))
    .join('\n');
}

/**
 * `make run` as a user who is not root, in a fresh copy of the repository it owns: the set-up (venv + pip from
 * training/requirements.lock, npm ci), build, MLflow, training on an empty store and the service all run as that
 * user. Proves: it comes up and predicts, nothing ran as root, nothing called sudo/su/apt/dpkg through PATH, and
 * Ctrl-C (SIGINT to the foreground process group, as a terminal sends it) stops every process it started.
 */
describe('make run as an unprivileged user', () => {
  let copy: UnprivilegedCopy | undefined;
  let make: ChildProcess | undefined;

  afterAll(() => {
    // Only if an assertion failed half-way: end the process group the test started.
    if (make?.pid !== undefined && make.exitCode === null && make.signalCode === null) process.kill(-make.pid, 'SIGKILL');
    const removing = Date.now();
    copy?.remove();
    console.log(`make run copy removed in ${((Date.now() - removing) / 1000).toFixed(1)} s`);
  });

  it('sets up, trains, serves and predicts without root, then stops everything on Ctrl-C', async () => {
    const started = Date.now();
    copy = unprivilegedCopy();
    const copied = Date.now();
    const [mlflowPort, servicePort] = [await freePort(), await freePort()];
    make = spawn('make', ['run'], {
      cwd: copy.repo,
      env: { ...copy.env, MLFLOW_PORT: String(mlflowPort), PORT: String(servicePort), TRAIN_ARGS: '--quick' },
      uid: copy.uid,
      gid: copy.gid,
      // Its own process group, like a terminal's foreground job that Ctrl-C signals as a whole.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = make;
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
      child.on('exit', (code, signal) => { resolveExit({ code, signal }); }),
    );

    let setUpAt = 0;
    const deadline = Date.now() + 840_000;
    while (!output.includes('Ctrl-C stops both')) {
      if (setUpAt === 0 && output.includes('touch node_modules/.installed')) setUpAt = Date.now();
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`make run did not come up:\n${output}`);
      await sleep(500);
    }
    const upAt = Date.now();
    // Both set-up targets really ran in the copy, as the user.
    expect(output).toContain('-m venv .venv');
    expect(output).toContain('npm ci');
    const serviceUrl = `http://127.0.0.1:${servicePort}`;
    expect(output).toContain(`MLflow UI:  http://127.0.0.1:${mlflowPort}`);
    expect(output).toContain(`Service:    ${serviceUrl}`);
    expect((await fetch(`${serviceUrl}/health/ready`)).status).toBe(200);
    const response = await fetch(`${serviceUrl}/api/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'WINNER!! Claim your £1000 prize now, call 09061701461' }),
    });
    expect(await response.json()).toMatchObject({ label: 'spam', modelVersion: '1' });

    const pids = [...output.matchAll(/(?:mlflow server|service) pid (\d+)/g)].map((match) => Number(match[1]));
    expect(pids).toHaveLength(2);
    const expectedUid = copy.uid ?? process.getuid!();
    expect(expectedUid).not.toBe(0);
    for (const pid of pids) expect(processUid(pid)).toBe(expectedUid);
    // The registry and the trained model were written inside the user's copy.
    expect(existsSync(join(copy.repo, '.mlflow', 'mlflow.db'))).toBe(true);
    expect(readFileSync(copy.privilegedCallLog, 'utf8')).toBe('');

    process.kill(-child.pid!, 'SIGINT');
    const { code, signal } = await exited;
    // make waits for the recipe's clean-up, then dies of the interrupt itself (a recipe's 130 would do too).
    expect(signal === 'SIGINT' || code === 130).toBe(true);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    if (copy.uid !== undefined) expect(processesOf(TEST_USER)).toBe('');
    expect(await answers(`${serviceUrl}/health/live`)).toBe(false);
    expect(await answers(`http://127.0.0.1:${mlflowPort}/health`)).toBe(false);
    console.log(
      `make run as ${copy.uid === undefined ? 'the current user' : TEST_USER}: copy ${((copied - started) / 1000).toFixed(1)} s, ` +
        `set-up ${((setUpAt - copied) / 1000).toFixed(0)} s, up ${((upAt - copied) / 1000).toFixed(0)} s after start; exit ${code} ${signal}`,
    );
  }, 900_000);
});
