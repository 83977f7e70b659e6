import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MlflowServer } from './mlflow-server.js';
import { REPO_ROOT } from './service-process.js';

const run = promisify(execFile);
export const VENV_PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

/** The one JSON line `python -m training.train` prints on stdout (docs/training.md). */
export interface TrainingSummary {
  run_id: string;
  model_name: string;
  model_version: string;
  promoted: boolean;
  model_path: string;
  golden_path?: string;
}

/** Runs the real training CLI from the project venv (`make setup-python` creates it). */
export async function runTrainingCli(args: string[], env: Record<string, string> = {}): Promise<TrainingSummary> {
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing: run \`make setup-python\` first`);
  const { stdout } = await run(VENV_PYTHON, ['-m', 'training.train', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as TrainingSummary;
}

/**
 * `count` quick training runs against one registry, in order (train-1, train-2, ...). With the same data and seed the
 * second is a tie with the first: registered, not promoted. Each caller asserts what it relies on.
 */
async function trainQuickVersions(workDir: string, trackingUri: string, count: number): Promise<TrainingSummary[]> {
  const summaries: TrainingSummary[] = [];
  for (let run = 1; run <= count; run++) {
    summaries.push(await runTrainingCli(['--quick', '--output-dir', join(workDir, `train-${run}`)], { MLFLOW_TRACKING_URI: trackingUri }));
  }
  return summaries;
}

/** A real MLflow server in `workDir/mlflow` with `count` quick versions trained into it (the registry specs' set-up). */
export async function startRegistryWithVersions(workDir: string, count: number): Promise<{ mlflow: MlflowServer; versions: TrainingSummary[] }> {
  const mlflow = await MlflowServer.start(join(workDir, 'mlflow'));
  return { mlflow, versions: await trainQuickVersions(workDir, mlflow.url, count) };
}
