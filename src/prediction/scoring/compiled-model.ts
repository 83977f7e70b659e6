import { CachingStemmer, TokenMemo, charNgrams, keptWords, tokenCharNgrams, wordNgrams } from './feature-analyzers.js';
import { TermCounts } from './term-counts.js';
import { WordNgramTrie } from './word-ngram-trie.js';
import type { FeatureBlock, ModelMetadata, PortableModel } from './portable-model.js';
import { tokenize } from './text-preprocessing.js';

export interface Prediction {
  label: string;
  spamProbability: number;
}

/** One feature block with its vocabulary indexed once at load time (docs/model-format.md §6). */
interface CompiledBlock {
  name: string;
  /** The vocabulary (index -> feature string): explanations name the features they list. */
  terms: readonly string[];
  /** Every feature string the analyser produces (golden tests, debugging). */
  analyze(tokens: readonly string[]): string[];
  /** Counts the vocabulary index of every feature of the tokens into `counts` (unknown features dropped). */
  countTerms(tokens: readonly string[], counts: TermCounts): void;
  idf: Float64Array;
  offset: number;
  sublinearTf: boolean;
  l2Normalize: boolean;
  /** Scratch counts, reset before each text (countBlockTerms): scoring is synchronous, so one per block is safe. */
  counts: TermCounts;
}

/** Budget of each char block's memo: ~13,000 distinct maximum-length tokens, far more of ordinary ones. */
export const CHAR_MEMO_MAX_BYTES = 16 * 1024 * 1024;

/** Turns the per-row linear scores into p(spam) (§7). */
type ProbabilityOfSpam = (scores: readonly number[]) => number;

const logisticOfDecision: ProbabilityOfSpam = ([z]) => 1 / (1 + Math.exp(-z));

const posteriorOfSpamClass: ProbabilityOfSpam = (jll) => {
  const max = Math.max(jll[0], jll[1]);
  const logSumExp = max + Math.log(Math.exp(jll[0] - max) + Math.exp(jll[1] - max));
  return Math.exp(jll[1] - logSumExp);
};

/** A validated portable model prepared for microsecond scoring. Immutable, so it can be swapped atomically. */
export class CompiledModel {
  readonly labels: readonly [string, string];
  readonly threshold: number;
  readonly metadata: ModelMetadata;
  private readonly blocks: CompiledBlock[];
  private readonly weightRows: Float64Array[];
  private readonly baseScores: number[];
  private readonly toProbability: ProbabilityOfSpam;
  /** Naive Bayes only: spam row minus ham row, built on the first explanation (scoring never needs it). */
  private logitWeightRow?: Float64Array;

  private constructor(model: PortableModel) {
    this.labels = model.labels;
    this.threshold = model.threshold;
    this.metadata = model.metadata;
    const stopwords = new Set(model.preprocessing.stopwords);
    const stemmer = new CachingStemmer();
    let offset = 0;
    this.blocks = model.features.map((block) => {
      const compiled = compileBlock(block, offset, stopwords, stemmer);
      offset += block.terms.length;
      return compiled;
    });
    const classifier = model.classifier;
    if (classifier.type === 'logistic_regression') {
      this.weightRows = [Float64Array.from(classifier.coefficients)];
      this.baseScores = [classifier.intercept];
      this.toProbability = logisticOfDecision;
    } else {
      this.weightRows = classifier.feature_log_prob.map((row) => Float64Array.from(row));
      this.baseScores = [...classifier.class_log_prior];
      this.toProbability = posteriorOfSpamClass;
    }
  }

  /** The model must already be validated (ModelValidator): lengths are trusted here. */
  static fromPortable(model: PortableModel): CompiledModel {
    return new CompiledModel(model);
  }

  score(text: string): Prediction {
    const tokens = tokenize(text);
    const sums = [...this.baseScores];
    for (const block of this.blocks) {
      countBlockTerms(block, tokens);
      addBlockScores(block, this.weightRows, sums);
    }
    const spamProbability = this.toProbability(sums);
    return { label: spamProbability >= this.threshold ? this.labels[1] : this.labels[0], spamProbability };
  }

  /** Every string each block's analyser produces, before vocabulary filtering (the golden.json `features`). */
  extractFeatures(text: string): Record<string, string[]> {
    const tokens = tokenize(text);
    return Object.fromEntries(this.blocks.map((block) => [block.name, block.analyze(tokens)]));
  }

  /**
   * The logit of p(spam) as an intercept plus one contribution per non-zero feature (docs/model-format.md §10);
   * explain.ts ranks them. Logistic regression: w[i] * x[i]; Naive Bayes: the spam row minus the ham row, times x[i].
   */
  linearTerms(text: string): { intercept: number; terms: LinearTerm[] } {
    const tokens = tokenize(text);
    const weights = this.logitWeights();
    const terms: LinearTerm[] = [];
    for (const block of this.blocks) {
      countBlockTerms(block, tokens);
      for (const [index, value] of blockValues(block)) {
        const global = block.offset + index;
        terms.push({ block: block.name, feature: block.terms[index], index: global, contribution: weights[global] * value });
      }
    }
    const intercept = this.baseScores.length === 1 ? this.baseScores[0] : this.baseScores[1] - this.baseScores[0];
    return { intercept, terms };
  }

  private logitWeights(): Float64Array {
    if (this.weightRows.length === 1) return this.weightRows[0];
    if (!this.logitWeightRow) {
      const [ham, spam] = this.weightRows;
      this.logitWeightRow = spam.map((weight, index) => weight - ham[index]);
    }
    return this.logitWeightRow;
  }
}

/** One non-zero entry of the feature vector and its share of the logit. */
export interface LinearTerm {
  block: string;
  feature: string;
  /** Global feature index (§6): ties in |contribution| are broken by it, on both sides. */
  index: number;
  contribution: number;
}

/**
 * A block's counts for this text. Reset here, before counting, the one place they are: a text that threw half-way
 * (nothing known does) cannot leave a stale count behind for the next one.
 */
function countBlockTerms(block: CompiledBlock, tokens: readonly string[]): void {
  block.counts.clear();
  block.countTerms(tokens, block.counts);
}

/** §6: a term's count (sublinear or raw tf) times its idf. */
function tfIdf(block: CompiledBlock, index: number, count: number): number {
  // Most features occur once in a text, and 1 + log(1) is exactly 1: the logarithm only for repeats.
  return (block.sublinearTf && count !== 1 ? 1 + Math.log(count) : count) * block.idf[index];
}

/** §6 for one block, entry by entry, from its counts; the scoring path fuses this with the dot product. */
function blockValues(block: CompiledBlock): Map<number, number> {
  const { counts } = block;
  const values = new Map<number, number>();
  let squaredNorm = 0;
  for (let i = 0; i < counts.size; i++) {
    const index = counts.touched[i];
    const count = counts.values[index];
    const value = tfIdf(block, index, count);
    values.set(index, value);
    squaredNorm += value * value;
  }
  const scale = block.l2Normalize && squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 1;
  for (const [index, value] of values) values.set(index, value * scale);
  return values;
}

/** §6-§7 for one block: tf (sublinear or raw) times idf, l2-normalised, dotted with every weight row into `sums`. */
function addBlockScores(block: CompiledBlock, weightRows: readonly Float64Array[], sums: number[]): void {
  const { offset } = block;
  const { values, touched, size } = block.counts;
  let squaredNorm = 0;
  for (let i = 0; i < size; i++) {
    const index = touched[i];
    const value = tfIdf(block, index, values[index]);
    values[index] = value;
    squaredNorm += value * value;
  }
  const scale = block.l2Normalize && squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 1;
  for (let row = 0; row < weightRows.length; row++) {
    const weights = weightRows[row];
    let blockSum = 0;
    for (let i = 0; i < size; i++) blockSum += weights[offset + touched[i]] * (values[touched[i]] * scale);
    sums[row] += blockSum;
  }
}

function compileBlock(
  block: FeatureBlock,
  offset: number,
  stopwords: ReadonlySet<string>,
  stemmer: CachingStemmer,
): CompiledBlock {
  const range = block.ngram_range;
  const common = {
    name: block.name,
    terms: block.terms,
    idf: Float64Array.from(block.idf),
    offset,
    sublinearTf: block.sublinear_tf,
    l2Normalize: block.norm === 'l2',
    counts: new TermCounts(block.terms.length),
  };
  if (block.analyzer === 'word') {
    const vocabulary = WordNgramTrie.of(block.terms);
    return {
      ...common,
      analyze: (tokens) => wordNgrams(tokens, stopwords, stemmer, range),
      countTerms: (tokens, counts) => {
        vocabulary.countNgrams(keptWords(tokens, stopwords, stemmer), range, counts);
      },
    };
  }
  // Character n-grams depend on the token alone: their vocabulary indices are memoised per distinct token, as a typed
  // array (4 bytes an index) under a byte budget.
  const termIndex = new Map(block.terms.map((term, index) => [term, index]));
  const indicesOfToken = new TokenMemo(
    (token: string) => {
      const indices: number[] = [];
      for (const feature of tokenCharNgrams(token, range)) {
        const index = termIndex.get(feature);
        if (index !== undefined) indices.push(index);
      }
      return Int32Array.from(indices);
    },
    (indices) => 16 + indices.byteLength,
    CHAR_MEMO_MAX_BYTES,
  );
  return {
    ...common,
    analyze: (tokens) => charNgrams(tokens, range),
    countTerms: (tokens, counts) => {
      for (const token of tokens) {
        const indices = indicesOfToken.get(token);
        for (let i = 0; i < indices.length; i++) counts.add(indices[i]);
      }
    },
  };
}
