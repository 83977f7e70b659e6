// Sections 1-3 of docs/model-format.md. Only explicit ASCII classes after normalisation: `\w`, `\d`, `\s` and `\b`
// mean different things in Python's `re` and in JavaScript.

const COMBINING_MARKS = /\p{Mn}/gu;

/** Placeholder tokens with their patterns, in substitution order (an e-mail address contains a URL-like domain). */
export const PLACEHOLDER_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  // The look-behind makes a match start only where a run of local-part characters starts: the leftmost match is
  // there anyway, and without it a long run without '@' is rescanned from every position (quadratic).
  ['xxemail', /(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/g],
  [
    'xxurl',
    /(?:https?:\/\/|www\.)[^ \t\n\r\f\v]+|(?<![a-z0-9@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|co|uk|ly|gl|in|io|me|biz|info|xyz|link|site|online|app)(?![a-z0-9])(?:\/[^ \t\n\r\f\v]*)?/g,
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

export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase();
}

export function substitutePlaceholders(normalized: string): string {
  let substituted = normalized;
  for (const [token, pattern] of PLACEHOLDER_PATTERNS) {
    substituted = substituted.replace(pattern, ` ${token} `);
  }
  return substituted;
}

/** Normalise, substitute placeholders and split into tokens (§1-§3). */
export function tokenize(text: string): string[] {
  const tokens = substitutePlaceholders(normalizeText(text)).match(TOKEN) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].length > MAX_TOKEN_LENGTH) tokens[i] = tokens[i].slice(0, MAX_TOKEN_LENGTH);
  }
  return tokens;
}

export function isPlaceholderToken(token: string): boolean {
  return PLACEHOLDER_SET.has(token);
}
