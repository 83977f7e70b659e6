import { CachingStemmer, TokenMemo, charNgrams, stringBytes, wordNgrams } from './feature-analyzers.js';

describe('feature analysers (docs/model-format.md §4-§5)', () => {
  it('keeps placeholders, drops stopwords, stems the rest, then emits n-grams by n and position', () => {
    const ngrams = wordNgrams(['you', 'are', 'winning', 'xxmoney', 'prizes'], new Set(['you', 'are']), new CachingStemmer(), [1, 2]);
    expect(ngrams).toEqual(['win', 'xxmoney', 'prize', 'win xxmoney', 'xxmoney prize']);
  });

  it("uses npm natural's Porter stemmer (§4.2)", () => {
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

  it('keeps a memo within its byte budget however many distinct tokens it sees', () => {
    let computed = 0;
    const memo = new TokenMemo(
      (token) => {
        computed++;
        return token.toUpperCase();
      },
      stringBytes,
      10_000,
    );
    for (let i = 0; i < 5_000; i++) {
      memo.get(`token-${i}-${'x'.repeat(30)}`);
      expect(memo.heldBytes).toBeLessThanOrEqual(10_000);
    }
    expect(memo.get('token-4999-' + 'x'.repeat(30))).toBe('TOKEN-4999-' + 'X'.repeat(30));
    expect(computed).toBe(5_000);
  });
});
