import { TINY_SPAM_TEXT, tinyModel, wordAndCharModel } from '../../../test/fixtures/tiny-model.js';
import { CompiledModel } from './compiled-model.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('CompiledModel', () => {
  it('scores logistic regression on raw counts times idf', () => {
    // win: 1*idf 2*coef 2 = 4; free: 1; xxnum twice (count 2, not sublinear): 2*0.5 = 1.
    const prediction = CompiledModel.fromPortable(tinyModel()).score('Win FREE 100 200');
    expect(prediction.spamProbability).toBeCloseTo(sigmoid(-1 + 4 + 1 + 1), 15);
    expect(prediction.label).toBe('spam');
  });

  it('applies sublinear tf and the l2 norm per block', () => {
    const base = tinyModel();
    const model = tinyModel({ features: [{ ...base.features[0], sublinear_tf: true, norm: 'l2' }] });
    const free = (1 + Math.log(2)) * 1;
    const win = 1 * 2;
    const norm = Math.hypot(free, win);
    const z = -1 + (1 * free) / norm + (2 * win) / norm;
    expect(CompiledModel.fromPortable(model).score('free FREE win').spamProbability).toBeCloseTo(sigmoid(z), 15);
  });

  it('gives a featureless text the probability of the all-zero vector', () => {
    const prediction = CompiledModel.fromPortable(tinyModel()).score('😀 привет');
    expect(prediction.spamProbability).toBeCloseTo(sigmoid(-1), 15);
    expect(prediction.label).toBe('ham');
  });

  it('scores multinomial naive Bayes with the log-sum-exp posterior', () => {
    const model = tinyModel({
      classifier: {
        type: 'multinomial_nb',
        class_log_prior: [Math.log(0.8), Math.log(0.2)],
        feature_log_prob: [
          [-1, -3, -2, -2, -2, -3, -2],
          [-2, -1, -2, -2, -2, -1, -2],
        ],
      },
    });
    // free: x = 1, win: x = 2.
    const jllHam = Math.log(0.8) - 1 * 1 - 3 * 2;
    const jllSpam = Math.log(0.2) - 2 * 1 - 1 * 2;
    const expected = Math.exp(jllSpam) / (Math.exp(jllHam) + Math.exp(jllSpam));
    expect(CompiledModel.fromPortable(model).score('free win').spamProbability).toBeCloseTo(expected, 15);
  });

  it('labels by the threshold from the model', () => {
    const strict = CompiledModel.fromPortable(tinyModel({ threshold: 0.999999 }));
    expect(strict.score(TINY_SPAM_TEXT).label).toBe('ham');
    expect(CompiledModel.fromPortable(tinyModel()).score(TINY_SPAM_TEXT).label).toBe('spam');
  });

  it('exposes the analyser output per block before vocabulary filtering', () => {
    expect(CompiledModel.fromPortable(tinyModel()).extractFeatures('the unknown prizes')).toEqual({
      word: ['unknown', 'prize'],
    });
  });

  it('leaves no counts behind: a score is the same before and after other texts are scored and explained', () => {
    const model = CompiledModel.fromPortable(wordAndCharModel());
    const first = model.score(TINY_SPAM_TEXT);
    model.score('free free free win call now');
    model.linearTerms('prize xxnum 100 call www.example.com');
    expect(model.score(TINY_SPAM_TEXT)).toEqual(first);
  });
});
