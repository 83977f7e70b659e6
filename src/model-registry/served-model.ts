import type { CompiledModel } from '../prediction/scoring/compiled-model.js';

export type ModelOrigin = 'mlflow' | 'cache' | 'file';

/** Identity of a loaded model, as reported by GET /api/v1/model and stored next to the cached model.json. */
export interface ModelDescriptor {
  name: string;
  version: string;
  alias?: string;
  runId: string;
  candidate: string;
  trainedAt: string;
  metrics: Record<string, number>;
  sha256: string;
}

/** What the prediction path reads: replaced as one object reference, so a swap is atomic for every request. */
export interface ServedModel {
  model: CompiledModel;
  descriptor: ModelDescriptor;
  source: ModelOrigin;
  loadedAt: string;
}
