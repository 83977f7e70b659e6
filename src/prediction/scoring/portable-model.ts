/** The JSON shape of `model.json`, format version 3 (docs/model-format.md §8, docs/model.schema.json). */
export interface PortableModel {
  format: 'spam-classifier-model';
  format_version: 3;
  labels: [string, string];
  threshold: number;
  preprocessing: {
    normalization: 'NFKD';
    strip_combining_marks: true;
    lowercase: true;
    placeholders: string[];
    token_pattern: string;
    stemmer: 'natural-porter';
    max_token_length: 40;
    evasion: string[];
    stopwords: string[];
  };
  features: FeatureBlock[];
  classifier: LogisticRegressionClassifier | MultinomialNbClassifier;
  metadata: ModelMetadata;
}

export interface FeatureBlock {
  name: string;
  analyzer: 'word' | 'char';
  ngram_range: [number, number];
  sublinear_tf: boolean;
  norm: 'l2' | null;
  terms: string[];
  idf: number[];
}

export interface LogisticRegressionClassifier {
  type: 'logistic_regression';
  coefficients: number[];
  intercept: number;
}

export interface MultinomialNbClassifier {
  type: 'multinomial_nb';
  class_log_prior: [number, number];
  feature_log_prob: [number[], number[]];
}

export interface ModelMetadata {
  model_name: string;
  candidate: string;
  run_id: string;
  git_commit?: string;
  data_sha256: string;
  trained_at: string;
  sklearn_version?: string;
  metrics: Record<string, number>;
  /** Optional (models trained before 2026-11-28 have none): docs/model-format.md §11. */
  score_reference?: ScoreReference;
}

/** Shares of the hold-out p(spam) in `bins` equal-width bins of [0, 1], from `count` messages. */
export interface ScoreReference {
  bins: number;
  proportions: number[];
  count: number;
}
