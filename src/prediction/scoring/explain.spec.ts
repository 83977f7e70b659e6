import { TINY_SPAM_TEXT, tinyModel, wordAndCharModel } from '../../../test/fixtures/tiny-model.js';
import { CompiledModel } from './compiled-model.js';
import { EXPLAIN_TOP, explain } from './explain.js';
import type { PortableModel } from './portable-model.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The tiny model's weights as a two-class Naive Bayes: log-probability rows of ham and spam. */
function naiveBayesModel(): PortableModel {
  const base = tinyModel();
  const spam = [-1, -0.5, -2, -1.2, -0.7, -0.9, -3];
  return { ...base, classifier: { type: 'multinomial_nb', class_log_prior: [-0.2, -1.7], feature_log_prob: [spam.map((v) => v - 1), spam] } };
}

const TEXTS = [TINY_SPAM_TEXT, 'see you at lunch', 'free free free call 0800 123 456 www.win.com', '', 'Gewinn! 😀 prize'];

describe.each([
  ['logistic regression (word block)', tinyModel()],
  ['logistic regression (word + char blocks)', wordAndCharModel()],
  ['multinomial Naive Bayes', naiveBayesModel()],
])('explain, %s', (_kind, portable) => {
  const model = CompiledModel.fromPortable(portable);

  it.each(TEXTS.map((text) => [text]))('sigmoid(intercept + listed + rest) is the probability of %j', (text) => {
    const explanation = explain(model, text);
    const listed = explanation.features.reduce((total, feature) => total + feature.contribution, 0);
    expect(Math.abs(sigmoid(explanation.intercept + listed + explanation.rest) - model.score(text).spamProbability)).toBeLessThan(1e-12);
    expect(Math.abs(explanation.intercept + listed + explanation.rest - explanation.logit)).toBeLessThan(1e-12);
    expect(explanation.features.length).toBeLessThanOrEqual(EXPLAIN_TOP);
    const sizes = explanation.features.map((feature) => Math.abs(feature.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('names features as the model knows them', () => {
    const words = explain(model, TINY_SPAM_TEXT).features.filter((feature) => feature.block === 'word').map((feature) => feature.feature);
    expect(words).toEqual(expect.arrayContaining(['win', 'prize', 'xxphone']));
  });
});

describe('explain', () => {
  it('lists only the top ten and sums the others into rest', () => {
    const model = CompiledModel.fromPortable(wordAndCharModel());
    const explanation = explain(model, 'a rather long message with many different character n-grams in it');
    expect(explanation.features).toHaveLength(EXPLAIN_TOP);
    expect(explanation.rest).not.toBe(0);
  });

  it('gives the intercept alone for a text with no known feature', () => {
    const explanation = explain(CompiledModel.fromPortable(tinyModel()), '😀');
    expect(explanation).toEqual({ intercept: -1, logit: -1, features: [], rest: 0 });
  });
});
