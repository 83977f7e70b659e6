import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CompiledModel } from '../../src/prediction/scoring/compiled-model.js';
import { type Explanation, explain } from '../../src/prediction/scoring/explain.js';
import { REPO_ROOT } from '../support/service-process.js';
import { VENV_PYTHON } from '../support/training-cli.js';

const run = promisify(execFile);

interface Case {
  id: string;
  text: string;
  spam_probability: number;
}

/** The Python scorer's explanation of every golden case (`python -m training.explain_golden`). */
export async function pythonExplanations(modelPath: string, goldenPath: string): Promise<Record<string, Explanation>> {
  const { stdout } = await run(VENV_PYTHON, ['-m', 'training.explain_golden', modelPath, goldenPath], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return JSON.parse(stdout) as Record<string, Explanation>;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const key = (feature: { block: string; feature: string }): string => `${feature.block}\u0000${feature.feature}`;

/**
 * Problems of the service's explanation of each case: the identity against the training pipeline's own probability
 * (golden.json) and agreement with the Python scorer, feature by feature, within `tolerance`. Two features whose
 * |contribution| differs by less than 1e-12 may be ranked differently by the two float paths; only then may the
 * lists differ, and only at the tenth place.
 */
export function explanationProblems(model: CompiledModel, cases: readonly Case[], python: Record<string, Explanation>, tolerance: number): string[] {
  const problems: string[] = [];
  for (const entry of cases) {
    const ours = explain(model, entry.text);
    const theirs = python[entry.id] as Explanation | undefined;
    const listed = ours.features.reduce((total, feature) => total + feature.contribution, 0);
    const identity = Math.abs(sigmoid(ours.intercept + listed + ours.rest) - entry.spam_probability);
    if (!(identity <= tolerance)) problems.push(`${entry.id}: sigmoid(intercept + listed + rest) is ${identity} off golden`);
    if (!theirs) {
      problems.push(`${entry.id}: no Python explanation`);
      continue;
    }
    for (const field of ['intercept', 'logit', 'rest'] as const) {
      if (!(Math.abs(ours[field] - theirs[field]) <= tolerance)) problems.push(`${entry.id}: ${field} ${ours[field]} vs Python ${theirs[field]}`);
    }
    const pythonByKey = new Map(theirs.features.map((feature) => [key(feature), feature.contribution]));
    const boundary = Math.abs(ours.features.at(-1)?.contribution ?? 0);
    ours.features.forEach((feature, index) => {
      const other = pythonByKey.get(key(feature));
      if (other === undefined) {
        if (Math.abs(Math.abs(feature.contribution) - boundary) > 1e-12) problems.push(`${entry.id}: feature ${index} ${JSON.stringify(feature.feature)} not listed by Python`);
      } else if (!(Math.abs(other - feature.contribution) <= tolerance)) {
        problems.push(`${entry.id}: ${JSON.stringify(feature.feature)} contributes ${feature.contribution} vs Python ${other}`);
      }
    });
    if (ours.features.length !== theirs.features.length) problems.push(`${entry.id}: ${ours.features.length} features vs Python ${theirs.features.length}`);
  }
  return problems;
}
