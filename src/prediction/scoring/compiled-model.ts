import { CachingStemmer, charNgrams, wordNgrams } from './feature-analyzers.js';
import type { FeatureBlock, ModelMetadata, PortableModel } from './portable-model.js';
import { tokenize } from './text-preprocessing.js';

export interface Prediction {
  label: string;
  spamProbability: number;
}

/** One feature block with its vocabulary indexed once at load time (docs/model-format.md §6). */
interface CompiledBlock {
  name: string;
  analyze(tokens: readonly string[]): string[];
  termIndex: ReadonlyMap<string, number>;
  idf: Float64Array;
  offset: number;
  sublinearTf: boolean;
  l2Normalize: boolean;
}

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
      const counts = new Map<number, number>();
      for (const feature of block.analyze(tokens)) {
        const index = block.termIndex.get(feature);
        if (index !== undefined) counts.set(index, (counts.get(index) ?? 0) + 1);
      }
      if (counts.size === 0) continue;
      const values = new Map<number, number>();
      let squaredNorm = 0;
      for (const [index, count] of counts) {
        const value = (block.sublinearTf ? 1 + Math.log(count) : count) * block.idf[index];
        values.set(index, value);
        squaredNorm += value * value;
      }
      const scale = block.l2Normalize && squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 1;
      for (let row = 0; row < this.weightRows.length; row++) {
        const weights = this.weightRows[row];
        let blockSum = 0;
        for (const [index, value] of values) blockSum += weights[block.offset + index] * (value * scale);
        sums[row] += blockSum;
      }
    }
    const spamProbability = this.toProbability(sums);
    return { label: spamProbability >= this.threshold ? this.labels[1] : this.labels[0], spamProbability };
  }

  /** Every string each block's analyser produces, before vocabulary filtering (the golden.json `features`). */
  extractFeatures(text: string): Record<string, string[]> {
    const tokens = tokenize(text);
    return Object.fromEntries(this.blocks.map((block) => [block.name, block.analyze(tokens)]));
  }
}

function compileBlock(
  block: FeatureBlock,
  offset: number,
  stopwords: ReadonlySet<string>,
  stemmer: CachingStemmer,
): CompiledBlock {
  const range = block.ngram_range;
  return {
    name: block.name,
    analyze:
      block.analyzer === 'word'
        ? (tokens) => wordNgrams(tokens, stopwords, stemmer, range)
        : (tokens) => charNgrams(tokens, range),
    termIndex: new Map(block.terms.map((term, index) => [term, index])),
    idf: Float64Array.from(block.idf),
    offset,
    sublinearTf: block.sublinear_tf,
    l2Normalize: block.norm === 'l2',
  };
}
