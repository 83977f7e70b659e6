import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../../app-root.js';
import { CONFUSABLES, EVASION_STEPS, LEET_WORD, SEPARATED_LETTERS, undoLeetspeak, undoLeetspeakBySpec } from './evasion-normalisation.js';
import { MODEL_SCHEMA_PATH } from './model-validation.js';
import { tokenize } from './text-preprocessing.js';

const SPEC = readFileSync(join(APP_ROOT, 'docs', 'model-format.md'), 'utf8');

/** The §1b look-alike table of docs/model-format.md: `| U+0430 | а | `a` | name |` rows. */
function specConfusables(): [string, string][] {
  return [...SPEC.matchAll(/^\| U\+([0-9A-F]{4,5}) \| . \| `([a-z])` \| [^|]+ \|$/gmu)].map((row) => [
    String.fromCodePoint(parseInt(row[1], 16)),
    row[2],
  ]);
}

describe('evasion normalisation (docs/model-format.md §1b, format version 3)', () => {
  it('maps exactly the look-alike letters of the spec table', () => {
    expect(specConfusables().length).toBeGreaterThanOrEqual(30);
    expect([...CONFUSABLES.entries()].sort()).toEqual(specConfusables().sort());
  });

  it('uses the patterns and step list the spec and the schema print', () => {
    expect(SPEC).toContain(`\`${SEPARATED_LETTERS.source}\``);
    expect(SPEC).toContain(`\`${LEET_WORD.source}\``);
    const schema = JSON.parse(readFileSync(MODEL_SCHEMA_PATH, 'utf8')) as {
      properties: { preprocessing: { properties: { evasion: { prefixItems: { const: string }[] } } } };
    };
    expect(schema.properties.preprocessing.properties.evasion.prefixItems.map((item) => item.const)).toEqual([...EVASION_STEPS]);
  });

  it.each([
    ['zero-width characters', 'N\u200ce\u200ct\u200cBanking cl\u200baim\u2060 now\u00ad\ufeff', ['netbanking', 'claim', 'now']],
    ['letter emoji', '\u{1f1eb}\u{1f1f7}\u{1f1ea}\u{1f1ea} \u{1f175}\u{1f181}\u{1f174}\u{1f174}', ['free', 'free']],
    ['emoji separators', 'F\u{1f525}R\u{1f525}E\u{1f525}E win\u2705now', ['free', 'win', 'now']],
    ['look-alike letters in a mixed-script word', '\u0412\u0430nk v\u0435rify \u13dfongrats \u03a1arcel', ['bank', 'verify', 'congrats', 'parcel']],
    ['a word wholly in another script (left alone)', '\u043f\u0440\u0438\u0432\u0435\u0442 ok', ['ok']],
    ['dotted and dashed letters', 'c.l.a.i.m B-I-T-C-O-I-N e.g. a.m.', ['claim', 'bitcoin', 'e', 'g', 'a', 'm']],
    ['spaced letters (4 or more)', 'f r e e entry, u r a star', ['free', 'entry', 'u', 'r', 'a', 'star']],
    ['leetspeak', 'FR33 v3rify y0ur cl@im 0ff ca$h', ['free', 'verify', 'your', 'claim', 'off', 'cash']],
    ['numbers, amounts and codes (left alone)', 'OTP 482913 10am 4pm 1st win2 £1,000', ['otp', 'xxnum', '10am', '4pm', '1st', 'win2', 'xxmoney']],
    ['mixed case', 'FrEe DeLiVeRy', ['free', 'delivery']],
  ])('undoes %s', (_step, text, expected) => {
    expect(tokenize(text)).toEqual(expected);
  });

  it('rewrites leetspeak exactly as the spec wording does, on random text of words, digits, @, $ and separators', () => {
    const alphabet = 'ab1 0@$.3-z5x9';
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let run = 0; run < 20_000; run++) {
      const text = Array.from({ length: 1 + (next() % 24) }, () => alphabet[next() % alphabet.length]).join('');
      expect(undoLeetspeak(text)).toBe(undoLeetspeakBySpec(text));
    }
  });
});
