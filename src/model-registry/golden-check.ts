import type { CompiledModel } from '../prediction/scoring/compiled-model.js';
import { ModelValidationError } from '../prediction/scoring/model-validation.js';
import { NotJsonError } from './model-loader.js';

/** The golden file name next to model.json, in the registry and beside a MODEL_SOURCE file (docs/model-format.md §9). */
export const GOLDEN_FILE = 'golden.json';

/** A golden file may not loosen the check beyond this (its own tolerance is 1e-9). */
const MAX_TOLERANCE = 1e-6;
const MAX_LISTED_PROBLEMS = 5;

interface GoldenCase {
  id: string;
  text: string;
  spam_probability: number;
  label: string;
}

/** Problems of a golden.json that is not one the training CLI writes; empty when the shape is right. */
function shapeProblems(golden: unknown): string[] {
  if (typeof golden !== 'object' || golden === null || Array.isArray(golden)) return ['golden.json: not a JSON object'];
  const { model_sha256: sha256, tolerance, cases } = golden as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof sha256 !== 'string') problems.push('golden.json: model_sha256 missing');
  if (typeof tolerance !== 'number' || !(tolerance > 0 && tolerance <= MAX_TOLERANCE)) {
    problems.push(`golden.json: tolerance must be a number in (0, ${MAX_TOLERANCE}]`);
  }
  const wellFormed = (item: unknown): boolean => {
    const candidate = item as Partial<GoldenCase> | null;
    return (
      typeof candidate === 'object' &&
      candidate !== null &&
      typeof candidate.id === 'string' &&
      typeof candidate.text === 'string' &&
      typeof candidate.spam_probability === 'number' &&
      typeof candidate.label === 'string'
    );
  };
  if (!Array.isArray(cases) || cases.length === 0 || !cases.every(wellFormed)) {
    problems.push('golden.json: cases must be a non-empty list of {id, text, spam_probability, label}');
  }
  return problems;
}

/**
 * Scores every case of the version's golden.json with the compiled model and throws ModelValidationError unless each
 * probability is within the file's tolerance and each label equal: the TypeScript scorer must reproduce what the
 * training pipeline computed for this very model.json (its sha256), or the model is not served.
 */
export function checkGolden(model: CompiledModel, modelSha256: string, goldenBytes: Buffer): number {
  let golden: unknown;
  try {
    golden = JSON.parse(goldenBytes.toString('utf8'));
  } catch (error) {
    throw new NotJsonError(GOLDEN_FILE, (error as Error).message);
  }
  const problems = shapeProblems(golden);
  if (problems.length > 0) throw new ModelValidationError(problems);
  const { model_sha256: expectedSha256, tolerance, cases } = golden as { model_sha256: string; tolerance: number; cases: GoldenCase[] };
  if (expectedSha256 !== modelSha256) {
    throw new ModelValidationError([`golden.json belongs to another model.json (sha256 ${expectedSha256.slice(0, 12)}…, this one ${modelSha256.slice(0, 12)}…)`]);
  }
  let failed = 0;
  const listed: string[] = [];
  for (const goldenCase of cases) {
    const { label, spamProbability } = model.score(goldenCase.text);
    const difference = Math.abs(spamProbability - goldenCase.spam_probability);
    if (!(difference <= tolerance) || label !== goldenCase.label) {
      failed++;
      if (listed.length < MAX_LISTED_PROBLEMS) {
        listed.push(`${goldenCase.id}: p=${spamProbability} (${label}), golden ${goldenCase.spam_probability} (${goldenCase.label})`);
      }
    }
  }
  if (failed > 0) {
    throw new ModelValidationError([`golden.json not reproduced: ${failed} of ${cases.length} cases differ by more than ${tolerance}`, ...listed]);
  }
  return cases.length;
}
