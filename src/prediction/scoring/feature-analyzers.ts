import porterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { isPlaceholderToken } from './text-preprocessing.js';

export type NgramRange = readonly [number, number];

/** A rough heap cost of one string (V8 header plus up to two bytes per character), for memo budgets. */
export function stringBytes(text: string): number {
  return 16 + 2 * text.length;
}

/** The per-entry cost of a Map slot and its bookkeeping, on top of the key and the value. */
const MEMO_ENTRY_BYTES = 64;

/**
 * A memo bounded by the estimated bytes it holds, not by its entry count: the token vocabulary of real traffic is
 * small, so per-token work (stemming, character n-gram lookups) is done once per distinct token, while a flood of
 * distinct tokens cannot grow the heap beyond `maxBytes`. Cleared when full rather than LRU: cheap, and a refill is
 * fast. Tokens are at most MAX_TOKEN_LENGTH characters (docs/model-format.md §3), so no single entry is large.
 */
export class TokenMemo<V> {
  private readonly cache = new Map<string, V>();
  private bytes = 0;

  constructor(
    private readonly compute: (token: string) => V,
    private readonly bytesOfValue: (value: V) => number,
    private readonly maxBytes: number,
  ) {}

  get(token: string): V {
    let value = this.cache.get(token);
    if (value === undefined) {
      value = this.compute(token);
      const entryBytes = MEMO_ENTRY_BYTES + stringBytes(token) + this.bytesOfValue(value);
      if (this.bytes + entryBytes > this.maxBytes) {
        this.cache.clear();
        this.bytes = 0;
      }
      this.cache.set(token, value);
      this.bytes += entryBytes;
    }
    return value;
  }

  /** The estimated bytes held now (tests). */
  get heldBytes(): number {
    return this.bytes;
  }
}

/** Budget of the stem memo: ~40,000 distinct 10-character tokens. */
export const STEM_MEMO_MAX_BYTES = 4 * 1024 * 1024;

export class CachingStemmer {
  private readonly memo = new TokenMemo((token) => porterStemmer.stem(token), stringBytes, STEM_MEMO_MAX_BYTES);

  stem(token: string): string {
    return this.memo.get(token);
  }
}

/** §4 step 1: placeholders kept, stopwords dropped, other tokens stemmed. */
export function keptWords(tokens: readonly string[], stopwords: ReadonlySet<string>, stemmer: CachingStemmer): string[] {
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
  const words = keptWords(tokens, stopwords, stemmer);
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
