import type { TermCounts } from './term-counts.js';
import type { NgramRange } from './feature-analyzers.js';

/** One word of an n-gram: the vocabulary index of the n-gram ending here, and the words that may follow. */
interface TrieNode {
  index: number;
  next?: Map<string, TrieNode>;
}

/** No vocabulary entry ends at this node (only longer n-grams pass through it). */
const NO_TERM = -1;

/**
 * A word block's vocabulary (§4: n-grams are words joined by one space) as a trie of words, so the n-grams of a text
 * are looked up word by word without building their strings: a bigram costs two Map lookups instead of a join, a
 * flattened string and a hash of it. Words never contain a space (§3 tokens are [a-z0-9]+ and stems keep that).
 */
export class WordNgramTrie {
  private readonly roots = new Map<string, TrieNode>();

  static of(terms: readonly string[]): WordNgramTrie {
    const trie = new WordNgramTrie();
    terms.forEach((term, index) => {
      trie.insert(term.split(' '), index);
    });
    return trie;
  }

  private insert(words: readonly string[], index: number): void {
    let level = this.roots;
    for (let i = 0; i < words.length; i++) {
      let node = level.get(words[i]);
      if (!node) {
        node = { index: NO_TERM };
        level.set(words[i], node);
      }
      if (i === words.length - 1) {
        node.index = index;
        return;
      }
      level = node.next ??= new Map<string, TrieNode>();
    }
  }

  /** Counts every n-gram of `words` with n in the range that is in the vocabulary (what §4's analyser would yield). */
  countNgrams(words: readonly string[], [minN, maxN]: NgramRange, counts: TermCounts): void {
    for (let start = 0; start < words.length; start++) {
      let level: Map<string, TrieNode> | undefined = this.roots;
      for (let n = 1; n <= maxN && start + n <= words.length && level; n++) {
        const node: TrieNode | undefined = level.get(words[start + n - 1]);
        if (!node) break;
        if (n >= minN && node.index !== NO_TERM) counts.add(node.index);
        level = node.next;
      }
    }
  }
}
