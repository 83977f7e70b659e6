// Sections 1-3 of docs/model-format.md. Only explicit ASCII classes after normalisation: `\w`, `\d`, `\s` and `\b`
// mean different things in Python's `re` and in JavaScript.

import { isAscii, joinSeparatedLetters, stripInvisibleAndEmoji, undoConfusables, undoLeetspeak } from './evasion-normalisation.js';
import { NONSPACING_MARK_RANGES, UNASSIGNED_RANGES } from './unicode-pin.js';

const hex = (codePoint: number): string => `\\u{${codePoint.toString(16)}}`;
const characterClass = (ranges: ReadonlyArray<readonly [number, number]>): string =>
  `[${ranges.map(([low, high]) => `${hex(low)}-${hex(high)}`).join('')}]`;
/** Category Mn of Unicode 14.0 (§1), not the runtime's `\p{Mn}`, which follows Node's newer ICU. */
const COMBINING_MARKS = new RegExp(characterClass(NONSPACING_MARK_RANGES), 'gu');
/** One code point that Unicode 14.0 does not assign (§1: left as it is, whatever the runtime's ICU knows of it). */
const UNASSIGNED = new RegExp(`(${characterClass(UNASSIGNED_RANGES)})`, 'u');

/** The top-level domains a bare domain (`tinyurl.com`) must end with to be a URL (§2). */
const URL_TLDS = '(?:com|net|org|co|uk|ly|gl|in|io|me|biz|info|xyz|link|site|online|app)';

/** Placeholder tokens with their patterns, in substitution order (an e-mail address contains a URL-like domain). */
export const PLACEHOLDER_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  // The look-behind makes a match start only where a run of local-part characters starts: the leftmost match is
  // there anyway, and without it a long run without '@' is rescanned from every position (quadratic).
  ['xxemail', /(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g],
  [
    'xxurl',
    new RegExp(
      `(?:https?://|www\\.)[^ \\t\\n\\r\\f\\v]+|(?<![a-z0-9@.-])[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.${URL_TLDS}(?![a-z0-9])(?:/[^ \\t\\n\\r\\f\\v]*)?`,
      'g',
    ),
  ],
  [
    'xxmoney',
    /(?:[£$€₹]|(?<![a-z0-9])(?:rs\.?|inr|usd|gbp|eur))[ ]?[0-9]+(?:[.,][0-9]+)*(?:[km](?![a-z0-9]))?|(?<![a-z0-9.,])[0-9]+(?:[.,][0-9]+)*[ ]?(?:p|pence|pounds?|rupees?|dollars?|euros?|usd|gbp|inr)(?![a-z0-9])/g,
  ],
  ['xxphone', /(?<![a-z0-9])\+?[0-9](?:[ -]?[0-9]){7,}(?![a-z0-9])/g],
  ['xxnum', /(?<![a-z0-9])[0-9]+(?:[.,:][0-9]+)*(?![a-z0-9])/g],
];

const TOKEN = /[a-z0-9]+/g;

/**
 * §3: a token longer than this is cut to its first MAX_TOKEN_LENGTH characters before stemming and n-grams, so the
 * work per token is bounded whatever the input (the longest token of the training corpus has 34 characters).
 */
export const MAX_TOKEN_LENGTH = 40;
const PLACEHOLDER_SET: ReadonlySet<string> = new Set(PLACEHOLDER_PATTERNS.map(([token]) => token));

function normalizeAssigned(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

/** §1, pinned to Unicode 14.0 like the Python side (training/unicode_pin.py): unassigned code points stay as they are. */
export function normalizeText(text: string): string {
  if (!UNASSIGNED.test(text)) return normalizeAssigned(text);
  // split() with a capturing group alternates: even items are normalised, odd ones are unassigned code points.
  return text
    .split(UNASSIGNED)
    .map((part, index) => (index % 2 === 1 ? part : normalizeAssigned(part)))
    .join('');
}

/**
 * Something every match of the placeholder's pattern contains: a text without it cannot match, so the pattern's scan
 * is skipped (most messages have no '@', no URL and no amount). Each is a cheap scan for a character or a short
 * sequence where the pattern proper is tried, with its look-behind, from every word start. Same result, fewer passes.
 */
const PLACEHOLDER_NEEDS: Readonly<Record<string, RegExp>> = {
  xxemail: /@/,
  // A scheme or `www.`, or a dot and a listed domain ending where the word ends.
  xxurl: new RegExp(`https?://|www\\.|\\.${URL_TLDS}(?![a-z0-9])`),
  // A currency sign or code before a digit, or a digit before a unit (`p` also starts `pence` and `pounds`).
  xxmoney: /(?:[£$€₹]|rs|inr|usd|gbp|eur)\.? ?[0-9]|[0-9] ?(?:p|rupee|dollar|euro|usd|gbp|inr)/,
  xxphone: /[0-9]/,
  xxnum: /[0-9]/,
};

/** The substitution steps in order, each with its skip test, paired once here rather than looked up per text. */
const PLACEHOLDER_STEPS = PLACEHOLDER_PATTERNS.map(([token, pattern]) => {
  const needs = PLACEHOLDER_NEEDS[token] as RegExp | undefined;
  if (!needs) throw new Error(`placeholder ${token} has no skip test`);
  return { replacement: ` ${token} `, pattern, needs };
});

export function substitutePlaceholders(normalized: string): string {
  let substituted = normalized;
  for (const { replacement, pattern, needs } of PLACEHOLDER_STEPS) {
    if (needs.test(substituted)) substituted = substituted.replace(pattern, replacement);
  }
  return substituted;
}

/**
 * §1, §1b and §2 in the spec's order: invisible characters and emoji before NFKD, look-alike and separated letters
 * after lowercasing, leetspeak only after placeholders (so amounts, phone numbers and OTP codes are never rewritten).
 */
export function cleanText(text: string): string {
  // Steps 1-3 and §1 change nothing in an ASCII text but its case (NFKD maps every ASCII character to itself).
  const normalized = isAscii(text) ? text.toLowerCase() : undoConfusables(normalizeText(stripInvisibleAndEmoji(text)));
  return undoLeetspeak(substitutePlaceholders(joinSeparatedLetters(normalized)));
}

/** Normalise, substitute placeholders and split into tokens (§1-§3). */
export function tokenize(text: string): string[] {
  const tokens = cleanText(text).match(TOKEN) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].length > MAX_TOKEN_LENGTH) tokens[i] = tokens[i].slice(0, MAX_TOKEN_LENGTH);
  }
  return tokens;
}

export function isPlaceholderToken(token: string): boolean {
  // Every placeholder starts with "xx" (§2): two character tests spare most tokens hashing for the set lookup.
  return token.charCodeAt(0) === 0x78 && token.charCodeAt(1) === 0x78 && PLACEHOLDER_SET.has(token);
}
