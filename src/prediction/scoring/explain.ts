import type { CompiledModel, LinearTerm } from './compiled-model.js';

/** How many features an explanation names (docs/model-format.md §10); the others are summed into `rest`. */
export const EXPLAIN_TOP = 10;

export interface ExplainedFeature {
  /** The feature as the model knows it: a stemmed word n-gram or a character n-gram (with its padding spaces). */
  feature: string;
  /** Its block, `word` or `char` for the models training exports. */
  block: string;
  /** Its share of the logit; positive pushes towards spam, negative towards ham. */
  contribution: number;
}

/** intercept + Σ features[].contribution + rest = logit, and 1 / (1 + e^-logit) = spamProbability (to rounding). */
export interface Explanation {
  intercept: number;
  logit: number;
  features: ExplainedFeature[];
  rest: number;
}

/** The exact decomposition of one message's score: the EXPLAIN_TOP largest contributions by |value|, then the rest. */
export function explain(model: CompiledModel, text: string, top = EXPLAIN_TOP): Explanation {
  const { intercept, terms } = model.linearTerms(text);
  // Same order as training/portable_scorer.py: |contribution| descending, then global feature index.
  const ranked = [...terms].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.index - b.index);
  const listed = ranked.slice(0, top);
  const rest = sum(ranked.slice(top));
  return {
    intercept,
    logit: intercept + sum(listed) + rest,
    features: listed.map(({ feature, block, contribution }) => ({ feature, block, contribution })),
    rest,
  };
}

function sum(terms: readonly LinearTerm[]): number {
  let total = 0;
  for (const term of terms) total += term.contribution;
  return total;
}
