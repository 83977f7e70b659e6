import { CachingStemmer, charNgrams, wordNgrams } from './feature-analyzers.js';

describe('feature analysers (docs/model-format.md §4-§5)', () => {
  it('keeps placeholders, drops stopwords, stems the rest, then emits n-grams by n and position', () => {
    const ngrams = wordNgrams(['you', 'are', 'winning', 'xxmoney', 'prizes'], new Set(['you', 'are']), new CachingStemmer(), [1, 2]);
    expect(ngrams).toEqual(['win', 'xxmoney', 'prize', 'win xxmoney', 'xxmoney prize']);
  });

  it('uses the Porter stemmer with Martin extensions', () => {
    const stemmer = new CachingStemmer();
    expect(['generously', 'running', 'happiness', 'ponies'].map((token) => stemmer.stem(token))).toEqual([
      'gener',
      'run',
      'happi',
      'poni',
    ]);
  });

  it('pads each token with one space and skips lengths longer than the padded token', () => {
    expect(charNgrams(['ab', 'c'], [2, 4])).toEqual([' a', 'ab', 'b ', ' ab', 'ab ', ' ab ', ' c', 'c ', ' c ']);
  });
});
