// Runs Debian's `wrk` (a load generator written in C, so the generator's own cost stays small next to Node's) with
// bench/wrk-post.lua and returns its figures. One thread: the machine has two cores and the server needs one.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, 'wrk-post.lua');

/** Fails early with the fix when wrk is missing (it is in deploy/ci/install-system-deps.sh). */
export function checkWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // `wrk --version` exits 1 after printing its version; only a missing binary is an error here.
    if (error.code === 'ENOENT') {
      throw new Error('wrk is not installed: run `deploy/ci/install-system-deps.sh wrk` (Debian package wrk)', { cause: error });
    }
  }
}

/** POSTs `body` to `url` for `seconds` over `connections` keep-alive connections. */
export function runWrk(url, body, connections, seconds) {
  const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', SCRIPT, url];
  // BENCH_WRK_CPUS=1 keeps the load generator off the server's CPUs (see BENCH_SERVER_CPUS in bench/servers.js).
  const [command, args] = process.env.BENCH_WRK_CPUS ? ['taskset', ['-c', process.env.BENCH_WRK_CPUS, 'wrk', ...wrkArgs]] : ['wrk', wrkArgs];
  const output = execFileSync(command, args, {
    env: { ...process.env, WRK_BODY: body },
    encoding: 'utf8',
  });
  const line = output.split('\n').find((text) => text.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`no summary from wrk:\n${output}`);
  const result = JSON.parse(line.slice('WRK_RESULT '.length));
  return {
    requests: result.requests,
    requestsPerSecond: result.requests / (result.durationUs / 1e6),
    p50: result.p50Us / 1000,
    p99: result.p99Us / 1000,
    failures: result.errors + result.non2xx,
  };
}

/**
 * wrk against a running server (bench/servers.js) after a warm-up: wrk's figures, the server's CPU time per request
 * and the 1-minute load average before and after the run.
 */
export function measureServer(running, path, body, connections, seconds, warmUpSeconds = 2) {
  const load = () => loadavg()[0].toFixed(2);
  runWrk(`${running.url}${path}`, body, connections, warmUpSeconds);
  const loadBefore = load();
  const cpuBefore = running.cpuSeconds();
  const figures = runWrk(`${running.url}${path}`, body, connections, seconds);
  const cpuMicroseconds = ((running.cpuSeconds() - cpuBefore) / figures.requests) * 1e6;
  return { ...figures, cpuMicroseconds, load: `${loadBefore} -> ${load()}` };
}
