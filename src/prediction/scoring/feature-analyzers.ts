import porterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { isPlaceholderToken } from './text-preprocessing.js';

export type NgramRange = readonly [number, number];

/** Memoises stems: the vocabulary of real traffic is small and stemming dominates word-block cost. */
export class CachingStemmer {
  private readonly cache = new Map<string, string>();

  constructor(private readonly maxEntries = 100_000) {}

  stem(token: string): string {
    let stem = this.cache.get(token);
    if (stem === undefined) {
      stem = porterStemmer.stem(token);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(token, stem);
    }
    return stem;
  }
}

/** §4: placeholders kept, stopwords dropped, other tokens stemmed; then word n-grams by n, then position. */
export function wordNgrams(
  tokens: readonly string[],
  stopwords: ReadonlySet<string>,
  stemmer: CachingStemmer,
  [minN, maxN]: NgramRange,
): string[] {
  const words: string[] = [];
  for (const token of tokens) {
    if (isPlaceholderToken(token)) words.push(token);
    else if (!stopwords.has(token)) words.push(stemmer.stem(token));
  }
  const ngrams: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let start = 0; start + n <= words.length; start++) {
      ngrams.push(n === 1 ? words[start] : words.slice(start, start + n).join(' '));
    }
  }
  return ngrams;
}

/** §5: per token, every substring of " token " of each length in the range (no short-word special case). */
export function charNgrams(tokens: readonly string[], [minN, maxN]: NgramRange): string[] {
  const ngrams: string[] = [];
  for (const token of tokens) {
    const padded = ` ${token} `;
    for (let n = minN; n <= maxN; n++) {
      for (let start = 0; start + n <= padded.length; start++) {
        ngrams.push(padded.substring(start, start + n));
      }
    }
  }
  return ngrams;
}
