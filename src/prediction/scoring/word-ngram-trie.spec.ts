import { TermCounts } from './term-counts.js';
import { WordNgramTrie } from './word-ngram-trie.js';
import type { NgramRange } from './feature-analyzers.js';

/** What the trie must equal: every n-gram of the range built as its string (§4) and looked up in the vocabulary. */
function countsByJoinedStrings(terms: readonly string[], words: readonly string[], [minN, maxN]: NgramRange): Map<number, number> {
  const index = new Map(terms.map((term, i) => [term, i]));
  const counts = new Map<number, number>();
  for (let n = minN; n <= maxN; n++) {
    for (let start = 0; start + n <= words.length; start++) {
      const found = index.get(words.slice(start, start + n).join(' '));
      if (found !== undefined) counts.set(found, (counts.get(found) ?? 0) + 1);
    }
  }
  return counts;
}

function countsByTrie(terms: readonly string[], words: readonly string[], range: NgramRange): Map<number, number> {
  const counts = new TermCounts(terms.length);
  WordNgramTrie.of(terms).countNgrams(words, range, counts);
  const found = new Map<number, number>();
  for (let i = 0; i < counts.size; i++) found.set(counts.touched[i], counts.values[counts.touched[i]]);
  return found;
}

describe('WordNgramTrie (§4 lookups without joined strings)', () => {
  const terms = ['free', 'prize', 'free prize', 'call', 'call now', 'call now free', 'now free', 'xxnum'];

  it.each<[string, NgramRange]>([
    ['unigrams and bigrams', [1, 2]],
    ['bigrams only (n below the range is not counted)', [2, 2]],
    ['up to trigrams', [1, 3]],
    ['unigrams only (longer vocabulary entries are not counted)', [1, 1]],
  ])('counts what the joined-string lookup counts: %s', (_, range) => {
    const words = ['call', 'now', 'free', 'prize', 'free', 'prize', 'call', 'xxnum', 'now', 'unknown', 'free'];
    expect(countsByTrie(terms, words, range)).toEqual(countsByJoinedStrings(terms, words, range));
  });

  it('agrees with the joined-string lookup on random word sequences', () => {
    const pool = ['call', 'now', 'free', 'prize', 'xxnum', 'other'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pool.length;
    for (let run = 0; run < 200; run++) {
      const words = Array.from({ length: run % 17 }, () => pool[next()]);
      expect(countsByTrie(terms, words, [1, 3])).toEqual(countsByJoinedStrings(terms, words, [1, 3]));
    }
  });

  it('counts nothing for an n-gram whose prefix is a vocabulary path but which is not itself a term', () => {
    // 'call now' and 'call now free' are terms; 'call now prize' walks the same path and must not count.
    expect(countsByTrie(['call now', 'call now free'], ['call', 'now', 'prize'], [3, 3])).toEqual(new Map());
  });
});

describe('TermCounts', () => {
  it('lists each index once however often it is added, grows past its first capacity, and clears to empty', () => {
    const counts = new TermCounts(1000);
    for (let index = 0; index < 600; index++) counts.add(index);
    counts.add(5);
    expect(counts.size).toBe(600);
    expect(counts.values[5]).toBe(2);
    expect(Array.from(counts.touched.subarray(0, 3))).toEqual([0, 1, 2]);
    counts.clear();
    expect(counts.size).toBe(0);
    expect(counts.values.every((value) => value === 0)).toBe(true);
  });
});
