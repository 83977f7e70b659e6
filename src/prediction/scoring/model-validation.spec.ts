import { tinyModel } from '../../../test/fixtures/tiny-model.js';
import { ModelValidationError, ModelValidator } from './model-validation.js';

const validator = new ModelValidator();

function problemsOf(candidate: unknown): readonly string[] {
  try {
    validator.validate(candidate);
    return [];
  } catch (error) {
    if (error instanceof ModelValidationError) return error.problems;
    throw error;
  }
}

describe('ModelValidator', () => {
  it('accepts a well-formed model', () => {
    expect(problemsOf(tinyModel())).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['a missing classifier', { ...tinyModel(), classifier: undefined }],
    ['a different token pattern', { ...tinyModel(), preprocessing: { ...tinyModel().preprocessing, token_pattern: '\\w+' } }],
    ['not an object', 'model'],
  ])('rejects %s against the schema', (_case, candidate) => {
    expect(problemsOf(candidate).length).toBeGreaterThan(0);
  });

  it.each([2, 4, '3'])('refuses format_version %j with one clear message', (version) => {
    expect(problemsOf({ ...tinyModel(), format_version: version })).toEqual([
      `format_version ${JSON.stringify(version)} is not supported: this service reads format version 3 (docs/model-format.md); retrain with the current training CLI`,
    ]);
  });

  it('rejects a model without the evasion steps of format version 3', () => {
    const preprocessing: Partial<ReturnType<typeof tinyModel>['preprocessing']> = { ...tinyModel().preprocessing };
    delete preprocessing.evasion;
    expect(problemsOf({ ...tinyModel(), preprocessing }).length).toBeGreaterThan(0);
  });

  it('rejects terms and idf of different lengths', () => {
    const base = tinyModel();
    const problems = problemsOf(tinyModel({ features: [{ ...base.features[0], idf: [1] }] }));
    expect(problems).toContain('features.word: 7 terms but 1 idf weights');
  });

  it('rejects coefficients that do not match the feature count', () => {
    const problems = problemsOf(tinyModel({ classifier: { type: 'logistic_regression', coefficients: [1], intercept: 0 } }));
    expect(problems).toContain('classifier: 1 coefficients for 7 features');
  });

  it('rejects duplicate terms and empty n-gram ranges', () => {
    const base = tinyModel().features[0];
    const problems = problemsOf(
      tinyModel({ features: [{ ...base, ngram_range: [2, 1], terms: ['a', 'a', 'b', 'c', 'd', 'e', 'f'] }] }),
    );
    expect(problems).toEqual(expect.arrayContaining(['features.word: ngram_range [2, 1] is empty', 'features.word: duplicate terms']));
  });
});
