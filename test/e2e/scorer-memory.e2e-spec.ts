import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { wordAndCharModel } from '../fixtures/tiny-model.js';
import { REPO_ROOT, newWorkDir, writeModelFile } from '../support/service-process.js';

import { MAX_TEXT_LENGTH } from '../../src/prediction/dto/message-text.js';
import { MAX_TOKEN_LENGTH } from '../../src/prediction/scoring/text-preprocessing.js';
const MESSAGES = Number(process.env.HEAP_TEST_MESSAGES ?? 10_000);
const HEAP_BUDGET_BYTES = 100 * 1024 * 1024;

/**
 * Runs in a child `node --expose-gc` so the heap can be measured after a full collection: the built scorer (the
 * service's own loader) scores MESSAGES distinct maximum-length messages, half one unbroken consonant run, half
 * maximum-length tokens; what stays reachable afterwards is what the per-token memos keep.
 */
const CHILD = `
import { readFileSync } from 'node:fs';
import { loadModelFile } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'model-registry', 'model-loader.js'))};
import { ModelValidator } from ${JSON.stringify(join(REPO_ROOT, 'dist', 'prediction', 'scoring', 'model-validation.js'))};
const [modelPath, count, textLength, tokenLength] = process.argv.slice(1);
const { model } = loadModelFile(readFileSync(modelPath), new ModelValidator());
let state = 2463534242;
const consonants = 'bcdfghjklmnpqrstvwxz';
function run(length) {
  let out = '';
  for (let i = 0; i < length; i++) {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    out += consonants[state % consonants.length];
  }
  return out;
}
function message(index) {
  if (index % 2 === 0) return run(Number(textLength));
  const tokens = [];
  for (let used = 0; used + Number(tokenLength) <= Number(textLength); used += Number(tokenLength) + 1) tokens.push(run(Number(tokenLength)));
  return tokens.join(' ');
}
model.score(message(0));
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const started = performance.now();
for (let i = 1; i <= Number(count); i++) model.score(message(i));
const seconds = (performance.now() - started) / 1000;
globalThis.gc();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ growthBytes: after - before, seconds }));
`;

describe('scorer memory under distinct long messages (e2e, built scorer)', () => {
  it(`${MESSAGES} distinct maximum-length messages raise the heap by less than 100 MB`, () => {
    const modelPath = writeModelFile(newWorkDir(), wordAndCharModel());
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', CHILD, modelPath, String(MESSAGES), String(MAX_TEXT_LENGTH), String(MAX_TOKEN_LENGTH)],
      { encoding: 'utf8', timeout: 170_000 },
    );
    expect(child.stderr).toBe('');
    const { growthBytes, seconds } = JSON.parse(child.stdout) as { growthBytes: number; seconds: number };
    if (growthBytes >= HEAP_BUDGET_BYTES) {
      throw new Error(`heap grew by ${(growthBytes / 1048576).toFixed(1)} MB over ${MESSAGES} messages (${seconds.toFixed(1)} s)`);
    }
  }, 180_000);
});
