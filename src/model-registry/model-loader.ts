import { createHash } from 'node:crypto';
import { CompiledModel } from '../prediction/scoring/compiled-model.js';
import { ModelValidationError, type ModelValidator } from '../prediction/scoring/model-validation.js';

/** Texts every candidate must score to a finite probability before it may serve (the smoke test of a swap). */
const SMOKE_TEXTS = [
  'WINNER!! You have won a £1000 prize. Call 09061701461 or visit www.win-now.com to claim',
  'Are we still meeting for lunch at 12:30 tomorrow?',
  '',
  '😀 Ｃａｆé привет',
];

export interface LoadedModelFile {
  model: CompiledModel;
  sha256: string;
}

/**
 * The bytes are not JSON at all: an auth proxy's HTML login page, a truncated download. Not a verdict on the model,
 * so the caller treats it as the source being unavailable and tries again, instead of refusing the version forever.
 */
export class NotJsonError extends Error {
  constructor(what: string, reason: string) {
    super(`${what} is not JSON (${reason}); the source will be asked again`);
    this.name = 'NotJsonError';
  }
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** model.json bytes -> parsed, schema-validated, compiled and smoke-scored model; throws ModelValidationError. */
export function loadModelFile(bytes: Buffer, validator: ModelValidator, sha256 = sha256Of(bytes)): LoadedModelFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new NotJsonError('model.json', (error as Error).message);
  }
  const model = CompiledModel.fromPortable(validator.validate(parsed));
  for (const text of SMOKE_TEXTS) {
    const { spamProbability } = model.score(text);
    if (!(spamProbability >= 0 && spamProbability <= 1)) {
      throw new ModelValidationError([`smoke test: probability ${spamProbability} for ${JSON.stringify(text)}`]);
    }
  }
  return { model, sha256 };
}
