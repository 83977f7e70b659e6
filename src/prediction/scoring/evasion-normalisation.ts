// §1b of docs/model-format.md (format version 3): undo the common ways spam hides its words. The Python twin is
// training/normalise.py; the golden and parity tests compare both. Explicit character classes only (no \w \d \s \b).

/** The step names, in order, as model.json's `preprocessing.evasion` lists them. */
export const EVASION_STEPS = ['zero_width', 'emoji', 'confusables', 'separators', 'leetspeak'] as const;

/** Step 1 (raw text): soft hyphen, Mongolian vowel separator, zero-width characters and marks, word joiner, BOM. */
const ZERO_WIDTH = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;
/** Steps 1 and 2 in one scan (the same code points as ZERO_WIDTH and EMOJI; the two sets do not overlap). */
const INVISIBLE_OR_EMOJI = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff\u{1f000}-\u{1faff}\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]/gu;

const ZERO_WIDTH_ONE = new RegExp(ZERO_WIDTH.source);
/** Step 2 (raw text): emoji; letter emoji become their letter, the others a space. */
export const EMOJI = /[\u{1f000}-\u{1faff}\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]/gu;
/** Regional indicators, negative circled and negative squared Latin letters (no NFKD decomposition). */
export const EMOJI_LETTER_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1f1e6, 0x1f1ff],
  [0x1f150, 0x1f169],
  [0x1f170, 0x1f189],
];

/** Step 3 (after NFKD and lowercase): look-alike letters, lowercase keys; the table printed in the spec. */
export const CONFUSABLES: ReadonlyMap<string, string> = new Map([
  ['\u0430', 'a'], ['\u0432', 'b'], ['\u0435', 'e'], ['\u043a', 'k'], ['\u043c', 'm'], ['\u043d', 'h'],
  ['\u043e', 'o'], ['\u0440', 'p'], ['\u0441', 'c'], ['\u0442', 't'], ['\u0443', 'y'], ['\u0445', 'x'],
  ['\u0455', 's'], ['\u0456', 'i'], ['\u0458', 'j'], ['\u04bb', 'h'], ['\u04cf', 'l'], ['\u0501', 'd'],
  ['\u051b', 'q'], ['\u051d', 'w'], ['\u03b1', 'a'], ['\u03b2', 'b'], ['\u03b5', 'e'], ['\u03b7', 'h'],
  ['\u03b9', 'i'], ['\u03ba', 'k'], ['\u03bf', 'o'], ['\u03c1', 'p'], ['\u03c4', 't'], ['\u03c5', 'u'],
  ['\u03c7', 'x'], ['\uab7a', 'a'], ['\uab7c', 'e'], ['\uabaf', 'c'], ['\uab83', 'w'], ['\u0131', 'i'],
  ['\u0251', 'a'], ['\u0261', 'g'], ['\u0585', 'o'], ['\u057d', 'u'],
]);
/** A word for step 3: ASCII letters, digits and look-alikes; rewritten only when it has an ASCII letter (mixed script). */
const CONFUSABLE_WORD = new RegExp(`[a-z0-9${[...CONFUSABLES.keys()].join('')}]+`, 'g');
/** Any look-alike at all: most texts have none (`£`, accents and emoji are not look-alikes), so step 3 is skipped. */
const CONFUSABLE_HINT = new RegExp(`[${[...CONFUSABLES.keys()].join('')}]`);
const ASCII_LETTER = /[a-z]/;

/** Step 4: single letters joined by one repeated separator (3+ letters with . _ * -, 4+ letters with spaces). */
export const SEPARATED_LETTERS =
  /(?<![a-z0-9])[a-z]([._*-])[a-z](?:\1[a-z])+(?![a-z0-9])|(?<![a-z0-9])[a-z](?: [a-z]){3,}(?![a-z0-9])/g;
const NOT_LETTER = /[^a-z]/g;

/** Step 5 (after placeholders): leet characters inside words. */
export const LEET_MAP: ReadonlyMap<string, string> = new Map([
  ['0', 'o'], ['1', 'i'], ['3', 'e'], ['4', 'a'], ['5', 's'], ['7', 't'], ['@', 'a'], ['$', 's'],
]);
export const LEET_WORD = /[a-z0-9]+(?:[@$][a-z0-9]+)*/g;
const NON_LEET_DIGIT = /[2689]/;
const LEET_CHARACTER = /[0-9@$]/;
/** A word to rewrite has a leet character next to a letter; most messages have none (same result, faster). */
const LEET_HINT = /[a-z][013457@$]|[013457@$][a-z]/;
/** Any UTF-16 unit above U+007F (astral code points are surrogate pairs): plain-ASCII text skips steps 1-2. */
const NON_ASCII = /[\u0080-\uffff]/;

function emojiReplacement(emoji: string): string {
  const codePoint = emoji.codePointAt(0) ?? 0;
  for (const [low, high] of EMOJI_LETTER_RANGES) {
    if (codePoint >= low && codePoint <= high) return String.fromCharCode(0x61 + ((codePoint - low) % 26));
  }
  return ' ';
}

/** No UTF-16 unit above U+007F: steps 1-3 leave such a text as it is. */
export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

/** Steps 1-2, on the raw text before NFKD (cleanText calls it only for a text that is not ASCII). */
export function stripInvisibleAndEmoji(text: string): string {
  return text.replace(INVISIBLE_OR_EMOJI, (found) => (ZERO_WIDTH_ONE.test(found) ? '' : emojiReplacement(found)));
}

/** Step 3, after §1 (NFKD, marks removed, lowercase). */
export function undoConfusables(normalized: string): string {
  if (!CONFUSABLE_HINT.test(normalized)) return normalized;
  return normalized.replace(CONFUSABLE_WORD, (word) =>
    ASCII_LETTER.test(word) ? Array.from(word, (ch) => CONFUSABLES.get(ch) ?? ch).join('') : word,
  );
}

/** Step 4: `c.l.a.i.m` -> `claim`, `f r e e` -> `free`. */
export function joinSeparatedLetters(normalized: string): string {
  return normalized.replace(SEPARATED_LETTERS, (match) => match.replace(NOT_LETTER, ''));
}

function leetWord(word: string): string {
  // Cheap tests first: most words have no leet character at all.
  if (!LEET_CHARACTER.test(word) || NON_LEET_DIGIT.test(word) || (word[0] >= '1' && word[0] <= '9')) return word;
  let letters = 0;
  for (let i = 0; i < word.length && letters < 2; i++) if (word[i] >= 'a' && word[i] <= 'z') letters++;
  if (letters < 2) return word;
  return Array.from(word, (ch) => LEET_MAP.get(ch) ?? ch).join('');
}

/**
 * The LEET_WORD matches that hold a digit, `@` or `$`, with the same boundaries: every LEET_WORD match starts after a
 * character that is not [a-z0-9] (the look-behind) and runs to the end of its word. A word of letters only is left as
 * it is by leetWord, so only these need the callback: same result as replacing every LEET_WORD match
 * (evasion-normalisation.spec.ts compares both on random text), half the time on the bench's messages. Without the
 * look-behind a match would be tried from every position of a long letter run, each try scanning to its end
 * (quadratic: a 5,000-letter run after one `fr33` took 50 ms).
 */
const LEET_CANDIDATE = /(?<![a-z0-9])(?:[a-z0-9]*[0-9][a-z0-9]*(?:[@$][a-z0-9]+)*|[a-z0-9]+(?:[@$][a-z0-9]+)+)/g;

/** Step 5, after §2 placeholders (amounts, phone numbers, OTP codes are placeholder tokens by then). */
export function undoLeetspeak(substituted: string): string {
  if (!LEET_HINT.test(substituted)) return substituted;
  return substituted.replace(LEET_CANDIDATE, leetWord);
}

/** Step 5 as docs/model-format.md §1b words it: every LEET_WORD match through leetWord (the reference of the tests). */
export function undoLeetspeakBySpec(substituted: string): string {
  return substituted.replace(LEET_WORD, leetWord);
}
