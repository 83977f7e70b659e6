// The model and the messages every benchmark scores.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

export const MESSAGES = [
  'WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.',
  'Ok lar... Joking wif u oni...',
  'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005. Text FA to 87121 to receive entry question(std txt rate)',
  'I HAVE A DATE ON SUNDAY WITH WILL!!',
  'Had your mobile 11 months or more? U R entitled to Update to the latest colour mobiles with camera for Free! Call The Mobile Update Co FREE on 08002986030',
  "I'm gonna be home soon and i don't want to talk about this stuff anymore tonight, k? I've cried enough today.",
  'URGENT! Your account has been suspended. Verify now at http://secure-login.example.xyz/verify or lose access',
  'Are we still meeting for lunch at 12:30 tomorrow? Let me know, Café Noir is fine for me.',
];

/** A real model.json: $BENCH_MODEL, else build/model/model.json, else build/bench-model/ (trained once, --quick). */
export function locateModel() {
  const trained = join(ROOT, 'build', 'bench-model', 'model.json');
  for (const candidate of [process.env.BENCH_MODEL, join(ROOT, 'build', 'model', 'model.json'), trained]) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  mkdirSync(join(ROOT, 'build', 'bench-model'), { recursive: true });
  console.log('no model.json found: training one with the training CLI (--quick)...');
  const output = join(ROOT, 'build', 'bench-model');
  execFileSync(join(ROOT, '.venv', 'bin', 'python'), ['-m', 'training.train', '--quick', '--output-dir', output, '--tracking-uri', `sqlite:///${join(output, 'mlflow.db')}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return trained;
}

/** The body of a batch request of `size` messages, the bench messages in turn. */
export function batchBody(size) {
  return JSON.stringify({ texts: Array.from({ length: size }, (_, i) => MESSAGES[i % MESSAGES.length]) });
}
