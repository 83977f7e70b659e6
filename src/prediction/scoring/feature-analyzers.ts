import porterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { isPlaceholderToken } from './text-preprocessing.js';

export type NgramRange = readonly [number, number];

/**
 * A bounded memo: the token vocabulary of real traffic is small, so per-token work (stemming, character n-gram
 * lookups) is done once per distinct token. Cleared when full rather than LRU: cheap, and a refill is fast.
 */
export class TokenMemo<V> {
  private readonly cache = new Map<string, V>();

  constructor(
    private readonly compute: (token: string) => V,
    private readonly maxEntries = 100_000,
  ) {}

  get(token: string): V {
    let value = this.cache.get(token);
    if (value === undefined) {
      value = this.compute(token);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(token, value);
    }
    return value;
  }
}

export class CachingStemmer {
  private readonly memo = new TokenMemo((token) => porterStemmer.stem(token));

  stem(token: string): string {
    return this.memo.get(token);
  }
}

/** §4 step 1: placeholders kept, stopwords dropped, other tokens stemmed. */
function wordsOf(tokens: readonly string[], stopwords: ReadonlySet<string>, stemmer: CachingStemmer): string[] {
  const words: string[] = [];
  for (const token of tokens) {
    if (isPlaceholderToken(token)) words.push(token);
    else if (!stopwords.has(token)) words.push(stemmer.stem(token));
  }
  return words;
}

/** §4: word n-grams of the kept words, by n, then position. */
export function wordNgrams(
  tokens: readonly string[],
  stopwords: ReadonlySet<string>,
  stemmer: CachingStemmer,
  [minN, maxN]: NgramRange,
): string[] {
  const words = wordsOf(tokens, stopwords, stemmer);
  const ngrams: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let start = 0; start + n <= words.length; start++) {
      ngrams.push(n === 1 ? words[start] : words.slice(start, start + n).join(' '));
    }
  }
  return ngrams;
}

/** §5: per token, every substring of " token " of each length in the range (no short-word special case). */
export function charNgrams(tokens: readonly string[], range: NgramRange): string[] {
  const ngrams: string[] = [];
  for (const token of tokens) ngrams.push(...tokenCharNgrams(token, range));
  return ngrams;
}

export function tokenCharNgrams(token: string, [minN, maxN]: NgramRange): string[] {
  const padded = ` ${token} `;
  const ngrams: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let start = 0; start + n <= padded.length; start++) {
      ngrams.push(padded.substring(start, start + n));
    }
  }
  return ngrams;
}
