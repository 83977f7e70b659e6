import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../../app-root.js';
import { MODEL_SCHEMA_PATH } from './model-validation.js';
import { joinSeparatedLetters, stripInvisibleAndEmoji, undoConfusables, undoLeetspeak } from './evasion-normalisation.js';
import { MAX_TOKEN_LENGTH, PLACEHOLDER_PATTERNS, cleanText, normalizeText, substitutePlaceholders, tokenize } from './text-preprocessing.js';

const SPEC = readFileSync(join(APP_ROOT, 'docs', 'model-format.md'), 'utf8');

/** The §2 table of docs/model-format.md: [token, pattern] in order (`\|` is the table's escape of `|`). */
function specPlaceholderTable(): [string, string][] {
  const rows = [...SPEC.matchAll(/^\| (\d) \| `(xx[a-z]+)` \| `(.+)` \|$/gm)];
  return rows.sort((a, b) => Number(a[1]) - Number(b[1])).map((row) => [row[2], row[3].replaceAll('\\|', '|')]);
}

describe('text preprocessing (docs/model-format.md §1-§3)', () => {
  it('decomposes compatibility characters, strips combining marks and lowercases', () => {
    expect(normalizeText('Café ＦＲＥＥ\u00a0Ｎº1')).toBe('cafe free no1');
  });

  it.each([
    ['mail me at John.Doe+x@mail.example.co.uk today', ['mail', 'me', 'at', 'xxemail', 'today']],
    ['go to https://bit.ly/abc?x=1 now', ['go', 'to', 'xxurl', 'now']],
    ['see www.example.com/deal and tinyurl.com', ['see', 'xxurl', 'and', 'xxurl']],
    ['win £1000 or $5k or 150p or 3 pounds', ['win', 'xxmoney', 'or', 'xxmoney', 'or', 'xxmoney', 'or', 'xxmoney']],
    ['call 09061701461 or +44 7911 123456', ['call', 'xxphone', 'or', 'xxphone']],
    ['meet at 10:30 on 2.5 days', ['meet', 'at', 'xxnum', 'on', 'xxnum', 'days']],
    ['abc123 stays one token', ['abc123', 'stays', 'one', 'token']],
  ])('tokenises %j', (text, expected) => {
    expect(tokenize(text)).toEqual(expected);
  });

  it('surrounds placeholders with spaces so they never fuse with a neighbour', () => {
    expect(substitutePlaceholders('x100y 100')).toBe('x100y  xxnum ');
  });

  it('uses character for character the patterns of the spec table (§2), in its order', () => {
    // A JavaScript regex literal must escape `/`; the spec writes it plainly (Python reads both the same).
    const ours = PLACEHOLDER_PATTERNS.map(([token, pattern]) => [token, pattern.source.replaceAll('\\/', '/')]);
    expect(specPlaceholderTable()).toHaveLength(5);
    expect(ours).toEqual(specPlaceholderTable());
  });

  it('cuts tokens to MAX_TOKEN_LENGTH characters (§3), the value the schema fixes', () => {
    const schema = JSON.parse(readFileSync(MODEL_SCHEMA_PATH, 'utf8')) as {
      properties: { preprocessing: { properties: { max_token_length: { const: number } } } };
    };
    expect(schema.properties.preprocessing.properties.max_token_length.const).toBe(MAX_TOKEN_LENGTH);
    expect(SPEC).toContain(`\`max_token_length\` = ${MAX_TOKEN_LENGTH} characters`);
    const long = 'b'.repeat(5_000);
    expect(tokenize(`win ${long} ${'c'.repeat(MAX_TOKEN_LENGTH)}`)).toEqual(['win', 'b'.repeat(MAX_TOKEN_LENGTH), 'c'.repeat(MAX_TOKEN_LENGTH)]);
  });

  it('starts an e-mail match only where a run of local-part characters starts (§2)', () => {
    expect(tokenize('a@b.com_x@y.org')).toEqual(['xxemail', 'xay', 'org']);
    expect(tokenize(`${'a'.repeat(3_000)}.b@example.com`)).toEqual(['xxemail']);
  });

  it('normalises a long letter run after a leetspeak word in linear time (§1b step 5)', () => {
    // 20,000 letters: a pattern retried from every position of the run costs ~1 s here, a linear one under 1 ms.
    const started = performance.now();
    expect(tokenize(`fr33 ${'a'.repeat(20_000)}`)).toEqual(['free', 'a'.repeat(MAX_TOKEN_LENGTH)]);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('substitutes exactly what every pattern in turn would, with the scans a text cannot match skipped', () => {
    // Fragments that make or nearly make each placeholder: the skip tests (`@`, a scheme, `www.` or a domain ending,
    // a currency before a digit or a unit after one, a digit) must never skip a pattern that would have matched.
    const fragments = ['a', 'b@c.com', 'x@y', 'www.', 'http://t', 'https:', '.co', 'bit.ly/x', '£', 'rs', '5', '10.5',
      '07700 900123', '+44', 'pounds', 'p', ' ', '.', '-', 'at', 'gbp', '$', '€', '₹', 'inr', 'usd', 'eur', 'rupees',
      'dollar', 'euros', 'pence', 'rs.', '.uk', 'online', 'x', '/'];
    const everyPattern = (text: string): string =>
      PLACEHOLDER_PATTERNS.reduce((substituted, [token, pattern]) => substituted.replace(pattern, ` ${token} `), text);
    // Every ordered pair, glued and spaced (a skip test that misses one adjacency fails here for sure), then longer
    // random mixes.
    const texts = fragments.flatMap((first) => fragments.flatMap((second) => [first + second, `${first} ${second}`]));
    let seed = 5;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8;
    for (let run = 0; run < 5_000; run++) {
      texts.push(Array.from({ length: 1 + (next() % 8) }, () => fragments[next() % fragments.length]).join(next() % 2 ? ' ' : ''));
    }
    for (const text of texts) expect(substitutePlaceholders(text)).toBe(everyPattern(text));
  });

  it('cleans an ASCII text by lowercasing alone exactly as the full chain of steps would', () => {
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let run = 0; run < 2_000; run++) {
      const text = String.fromCharCode(...Array.from({ length: next() % 60 }, () => next() % 128));
      expect(cleanText(text)).toBe(undoLeetspeak(substitutePlaceholders(joinSeparatedLetters(undoConfusables(normalizeText(stripInvisibleAndEmoji(text)))))));
    }
  });

  it('yields no tokens for emoji and non-Latin scripts', () => {
    expect(tokenize('😀🎉 привет 你好')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });
});
