import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGolden } from '../../src/model-registry/golden-check.js';
import { loadModelFile, type LoadedModelFile } from '../../src/model-registry/model-loader.js';
import { EVASION_STEPS } from '../../src/prediction/scoring/evasion-normalisation.js';
import { ModelValidationError, ModelValidator } from '../../src/prediction/scoring/model-validation.js';
import { runTrainingCli } from '../support/training-cli.js';
import { explanationProblems, pythonExplanations } from './explanation-parity.js';
import { DRIFT_WINDOW_SIZE, driftAfter, trafficMix } from './traffic-mix.js';

interface GoldenCase {
  id: string;
  text: string;
  features: Record<string, string[]>;
  spam_probability: number;
  label: string;
}

interface GoldenFile {
  format_version: number;
  model_sha256: string;
  tolerance: number;
  cases: GoldenCase[];
}

/**
 * The TypeScript scorer against the training's own golden.json, produced here by running the training CLI (never a
 * committed copy): identical feature lists and probabilities within the file's tolerance for every case.
 */
// Every classifier kind of docs/model-format.md §7: the default quick run picks logistic regression; restricting the
// candidates to Naive Bayes exports a multinomial_nb model.
describe.each([
  ['logistic_regression', []],
  ['multinomial_nb', ['--candidates', 'nb_word_char']],
])('scorer vs training golden.json (%s)', (classifierType, extraArgs) => {
  const workDir = mkdtempSync(join(tmpdir(), 'spam-golden-'));
  let golden: GoldenFile;
  let goldenBytes: Buffer;
  let loaded: LoadedModelFile;

  beforeAll(async () => {
    const summary = await runTrainingCli([
      '--quick',
      ...extraArgs,
      '--output-dir', join(workDir, 'out'),
      '--tracking-uri', `sqlite:///${join(workDir, 'mlflow.db')}`,
    ]);
    const modelBytes = readFileSync(summary.model_path);
    goldenBytes = readFileSync(summary.golden_path ?? join(workDir, 'out', 'golden.json'));
    golden = JSON.parse(goldenBytes.toString('utf8')) as GoldenFile;
    loaded = loadModelFile(modelBytes, new ModelValidator());
    expect(createHash('sha256').update(modelBytes).digest('hex')).toBe(golden.model_sha256);
  }, 600_000);

  it(`exported a ${classifierType} model`, () => {
    expect((JSON.parse(readFileSync(join(workDir, 'out', 'model.json'), 'utf8')) as { classifier: { type: string } }).classifier.type).toBe(classifierType);
  });

  it('passes the swap-time golden check, which refuses the same file with one probability moved by 1e-6', () => {
    expect(checkGolden(loaded.model, loaded.sha256, goldenBytes)).toBe(golden.cases.length);
    const moved = { ...golden, cases: golden.cases.map((entry, index) => (index === 7 ? { ...entry, spam_probability: entry.spam_probability + 1e-6 } : entry)) };
    expect(() => checkGolden(loaded.model, loaded.sha256, Buffer.from(JSON.stringify(moved)))).toThrow(ModelValidationError);
  });

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('has at least 300 cases in format version 3', () => {
    expect(golden.format_version).toBe(3);
    expect(golden.cases.length).toBeGreaterThanOrEqual(300);
  });

  it('has a case for every evasion step of format version 3 (docs/model-format.md §1b)', () => {
    const ids = golden.cases.map((entry) => entry.id);
    for (const step of EVASION_STEPS) {
      expect(ids.filter((id) => id.startsWith(`awkward-evasion-${step.replace('_', '-')}`)).length).toBeGreaterThan(0);
    }
  });

  it('produces identical feature lists for every case', () => {
    const mismatches = golden.cases.filter(
      (entry) => JSON.stringify(loaded.model.extractFeatures(entry.text)) !== JSON.stringify(entry.features),
    );
    expect(mismatches.map((entry) => entry.id)).toEqual([]);
  });

  it('reproduces every probability within the tolerance and every label', () => {
    let worst = 0;
    const mismatches: string[] = [];
    for (const entry of golden.cases) {
      const { spamProbability, label } = loaded.model.score(entry.text);
      const difference = Math.abs(spamProbability - entry.spam_probability);
      worst = Math.max(worst, difference);
      if (difference > golden.tolerance || label !== entry.label) mismatches.push(`${entry.id}: ${difference} ${label}/${entry.label}`);
    }
    expect(mismatches).toEqual([]);
    expect(worst).toBeLessThanOrEqual(golden.tolerance);
  });

  it('explains every case exactly (the identity to 1e-9) and as the Python scorer does', async () => {
    const python = await pythonExplanations(join(workDir, 'out', 'model.json'), join(workDir, 'out', 'golden.json'));
    expect(explanationProblems(loaded.model, golden.cases, python, golden.tolerance)).toEqual([]);
    // Not vacuous: the comparison notices a Python explanation with one contribution moved by 1e-6.
    const first = golden.cases.find((entry) => python[entry.id].features.length > 0)!;
    const moved = structuredClone(python);
    moved[first.id].features[0].contribution += 1e-6;
    expect(explanationProblems(loaded.model, [first], moved, golden.tolerance)).toHaveLength(1);
  }, 300_000);

  it('exports PSI near 0 for traffic like the hold-out and above 0.25 for a shifted mix', async () => {
    // The golden file's data cases are a sample of this run's hold-out, the set the reference was computed on.
    const holdout = golden.cases.filter((entry) => entry.id.startsWith('data-'));
    const matching = await driftAfter(loaded.model, trafficMix(holdout, DRIFT_WINDOW_SIZE, 1));
    const shifted = await driftAfter(loaded.model, trafficMix(holdout, DRIFT_WINDOW_SIZE, 2, 0.6));
    expect(matching.psi).toBeLessThan(0.1);
    expect(shifted.psi).toBeGreaterThan(0.25);
    expect(shifted.spamShare).toBeGreaterThan(0.5);
    expect(matching.spamShare).toBeLessThan(0.3);
  });
});
