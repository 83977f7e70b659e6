import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { APP_ROOT } from '../../app-root.js';
import type { PortableModel } from './portable-model.js';

/** The JSON Schema shared with training (docs/model-format.md), shipped in the image under the app root. */
export const MODEL_SCHEMA_PATH = join(APP_ROOT, 'docs', 'model.schema.json');

/** The one model.json format this service reads (docs/model-format.md; the schema fixes it too). */
export const SUPPORTED_FORMAT_VERSION = 3;

export class ModelValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid model.json: ${problems.join('; ')}`);
    this.name = 'ModelValidationError';
  }
}

/** Validates parsed model.json against docs/model.schema.json plus the cross-field rules JSON Schema cannot say. */
export class ModelValidator {
  private readonly validateSchema: ValidateFunction;

  constructor(schemaPath: string = MODEL_SCHEMA_PATH) {
    // strictTuples off: the schema closes tuples with `items: false`, which Ajv would otherwise warn about on stderr.
    const ajv = new Ajv2020({ allErrors: true, strictTuples: false });
    this.validateSchema = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  }

  /** Returns the model typed, or throws ModelValidationError listing every problem found. */
  validate(candidate: unknown): PortableModel {
    // Said first and plainly: a file of another format version fails many schema rules, and the first of them would
    // not tell an operator that the fix is to retrain (or to roll the service back).
    const version = formatVersionOf(candidate);
    if (version !== undefined && version !== SUPPORTED_FORMAT_VERSION) {
      throw new ModelValidationError([
        `format_version ${JSON.stringify(version)} is not supported: this service reads format version ${SUPPORTED_FORMAT_VERSION} ` +
          '(docs/model-format.md); retrain with the current training CLI',
      ]);
    }
    if (!this.validateSchema(candidate)) {
      const problems = (this.validateSchema.errors ?? []).map(
        (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
      );
      throw new ModelValidationError(problems.slice(0, 20));
    }
    const model = candidate as PortableModel;
    const problems = consistencyProblems(model);
    if (problems.length > 0) throw new ModelValidationError(problems);
    return model;
  }
}

function formatVersionOf(candidate: unknown): unknown {
  return typeof candidate === 'object' && candidate !== null && 'format_version' in candidate ? candidate.format_version : undefined;
}

function consistencyProblems(model: PortableModel): string[] {
  const problems: string[] = [];
  let featureCount = 0;
  for (const block of model.features) {
    const [minN, maxN] = block.ngram_range;
    if (minN > maxN) problems.push(`features.${block.name}: ngram_range [${minN}, ${maxN}] is empty`);
    if (block.terms.length !== block.idf.length) {
      problems.push(`features.${block.name}: ${block.terms.length} terms but ${block.idf.length} idf weights`);
    }
    if (new Set(block.terms).size !== block.terms.length) problems.push(`features.${block.name}: duplicate terms`);
    featureCount += block.terms.length;
  }
  if (new Set(model.features.map((block) => block.name)).size !== model.features.length) {
    problems.push('features: duplicate block names');
  }
  const reference = model.metadata.score_reference;
  if (reference && reference.proportions.length !== reference.bins) {
    problems.push(`metadata.score_reference: ${reference.proportions.length} proportions for ${reference.bins} bins`);
  }
  const classifier = model.classifier;
  if (classifier.type === 'logistic_regression') {
    if (classifier.coefficients.length !== featureCount) {
      problems.push(`classifier: ${classifier.coefficients.length} coefficients for ${featureCount} features`);
    }
  } else {
    classifier.feature_log_prob.forEach((row, classIndex) => {
      if (row.length !== featureCount) {
        problems.push(`classifier: feature_log_prob[${classIndex}] has ${row.length} values for ${featureCount} features`);
      }
    });
  }
  return problems;
}
