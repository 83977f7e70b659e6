// Starting and stopping the servers the benchmarks load, and reading their CPU time: the CPU a server spends per
// request is steadier than its requests/s on a shared machine, where the load generator and other work compete
// for the same cores.
import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function freePort() {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** user + system CPU seconds of a process so far (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Starts `node <args>` on a free loopback port with stdout to /dev/null (the benchmark measures serving, not the
 * terminal) and waits until POST `readyPath` with `readyBody` answers 2xx.
 */
export async function startServer(args, env, { cwd, readyPath, readyBody }) {
  const port = await freePort();
  const sink = openSync('/dev/null', 'w');
  // BENCH_SERVER_CPUS=0 pins the server to those CPUs (taskset execs node, so the pid is the server's).
  const [command, commandArgs] = process.env.BENCH_SERVER_CPUS ? ['taskset', ['-c', process.env.BENCH_SERVER_CPUS, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(command, commandArgs, { cwd, env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', sink, 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  let lastAnswer = 'no answer';
  for (let i = 0; i < 300; i++) {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: readyBody };
    const ok = await fetch(`${url}${readyPath}`, init)
      .then(async (r) => {
        if (!r.ok) lastAnswer = `${r.status} ${await r.text()}`;
        return r.ok;
      })
      .catch(() => false);
    if (ok) {
      return {
        url,
        cpuSeconds: () => cpuSeconds(child.pid),
        stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not come up (last answer: ${lastAnswer})`);
}

/**
 * The built service of the checkout at `root`, started as in production (the young-generation flag of package.json,
 * the Dockerfile and deploy/local/run.sh; logging on with a log hash key as deployed); only the rate limit is off, so
 * a run measures serving, not 429s.
 */
export function startService(root, modelPath, readyBody) {
  const env = {
    MODEL_SOURCE: `file:${modelPath}`,
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'info',
    LOG_HASH_KEY: 'bench-log-hash-key',
    MODEL_CACHE_DIR: join(ROOT, 'build', 'bench-cache'),
  };
  return startServer(['--max-semi-space-size=64', join(root, 'dist', 'main.js')], env, { cwd: root, readyPath: '/api/v1/predict', readyBody });
}
