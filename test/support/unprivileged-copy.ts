import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './service-process.js';

/** The account the make-run test creates when it runs as root (a plain user: no sudo rule, no extra groups). */
export const TEST_USER = 'spamrun';

/** Commands that would mean "needs root or apt": stand-ins first on PATH record any call and fail. */
const PRIVILEGED_COMMANDS = ['sudo', 'su', 'apt-get', 'apt', 'dpkg', 'doas'];

export interface UnprivilegedCopy {
  /** A copy of the working tree (tracked and untracked, not ignored: no node_modules, venvs, dist) owned by the user. */
  readonly repo: string;
  /** Where the stand-ins log calls: empty after a run that never tried to gain root or install system packages. */
  readonly privilegedCallLog: string;
  /** uid/gid to spawn with (undefined when the tests already run unprivileged: then the current user is used). */
  readonly uid?: number;
  readonly gid?: number;
  /** The environment for `make run` as that user. */
  readonly env: NodeJS.ProcessEnv;
  /** Removes the copy, the home and a user this copy created. */
  remove(): void;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function userExists(name: string): boolean {
  try {
    run('id', ['-u', name]);
    return true;
  } catch {
    return false;
  }
}

/** The files of the working tree as `git ls-files` sees them (a deleted tracked file is not copied). */
function copyWorkingTree(destination: string): void {
  const files = run('git', ['-C', REPO_ROOT, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'])
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
  for (const file of files) cpSync(join(REPO_ROOT, file), join(destination, file), { preserveTimestamps: true, verbatimSymlinks: true });
}

/**
 * Seeds the user's npm cache with a copy of the caller's (downloaded tarballs only: `npm ci` still unpacks and links
 * every package as the user). A copy, because root's cache lies under /root, which other users cannot read.
 */
function seedNpmCache(home: string): boolean {
  const source = join(run('npm', ['config', 'get', 'cache']), '_cacache');
  if (!existsSync(source)) return false;
  cpSync(source, join(home, '.npm', '_cacache'), { recursive: true });
  return true;
}

function standInBin(directory: string, log: string): void {
  mkdirSync(directory, { recursive: true });
  for (const command of PRIVILEGED_COMMANDS) {
    const path = join(directory, command);
    writeFileSync(path, `#!/bin/sh\necho "${command} $*" >> '${log}'\nexit 1\n`);
    chmodSync(path, 0o755);
  }
}

/**
 * A copy of the repository for a user who is not root: as root, a plain account (created if missing) owns the copy
 * and a fresh home; otherwise the current user, who is unprivileged already. Neither gets a sudo rule, so a step that
 * needed root could not succeed; the stand-ins also show whether one was tried through PATH.
 */
export function unprivilegedCopy(): UnprivilegedCopy {
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(join(tmpdir(), 'spam-make-run-'));
  const repo = join(base, 'repo');
  const home = join(base, 'home');
  const privilegedCallLog = join(base, 'privileged-calls.log');
  mkdirSync(repo);
  mkdirSync(home);
  copyWorkingTree(repo);
  standInBin(join(base, 'bin'), privilegedCallLog);
  writeFileSync(privilegedCallLog, '');
  chmodSync(privilegedCallLog, 0o666);

  if (!asRoot) {
    // The caller's own environment and caches; npm's run-script variables and an outer make's flags (job server)
    // would steer the nested npm and make, so they go.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|MAKEFLAGS$|MFLAGS$|MAKELEVEL$)/.test(name)));
    env.PATH = `${join(base, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    return { repo, privilegedCallLog, env, remove: () => { rmSync(base, { recursive: true, force: true }); } };
  }

  const created = !userExists(TEST_USER);
  if (created) run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', home, '--shell', '/usr/sbin/nologin', TEST_USER]);
  const uid = Number(run('id', ['-u', TEST_USER]));
  const gid = Number(run('id', ['-g', TEST_USER]));
  seedNpmCache(home);
  run('chown', ['-R', `${uid}:${gid}`, repo, home]);
  chmodSync(base, 0o755);
  // What a new Debian account gets (no /root/... entries: pyenv shims there are unreadable to others), plus the
  // TLS and proxy settings of this machine, which npm and pip need to reach their registries.
  const passed = Object.entries(process.env).filter(([name]) => /^(LANG|LC_\w+|TZ|CI|PIP_\w+)$|CERT|_CA_|SSL|PROXY/i.test(name));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(passed),
    HOME: home,
    USER: TEST_USER,
    LOGNAME: TEST_USER,
    PATH: `${join(base, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    // The seeded tarballs are used without asking the registry whether each one is still current.
    npm_config_prefer_offline: 'true',
  };
  return {
    repo,
    privilegedCallLog,
    uid,
    gid,
    env,
    remove: () => {
      rmSync(base, { recursive: true, force: true });
      if (created) run('userdel', [TEST_USER]);
    },
  };
}

/** The uid a process runs as (Linux /proc), or undefined if it is gone. */
export function processUid(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('Uid:'));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]);
  } catch {
    return undefined;
  }
}
