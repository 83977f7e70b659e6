// docs/model-format.md §4.2: the Porter stemmer exactly as the reference, NLTK's
// `PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)` (Martin Porter's published algorithm with his own corrections),
// rule for rule. npm natural's PorterStemmer measures a `y` after a consonant wrongly (`wklyat` counts as m=2: its
// "CV" marker for consonants + `y` is not merged with the vowels after it) and treats a `y` after a vowel-`y` as a
// consonant; those are module-private functions that every step of natural calls, so they cannot be corrected from
// outside: this module replaces natural's stemmer instead of patching it.
//
// Input: a §3 token (lowercase ASCII letters and digits, at most 40 characters), so no lowercasing is needed and the
// per-call arrays stay tiny.

const VOWELS = 'aeiou';

/** Porter's definition: a-e-i-o-u are vowels; `y` is a vowel after a consonant, a consonant at the start or after a vowel. */
function consonantFlags(word: string): boolean[] {
  const flags: boolean[] = [];
  for (let i = 0; i < word.length; i++) {
    const letter = word[i];
    if (VOWELS.includes(letter)) flags.push(false);
    else if (letter === 'y') flags.push(i === 0 ? true : !flags[i - 1]);
    else flags.push(true);
  }
  return flags;
}

/** m in [C](VC){m}[V]: the number of vowel-to-consonant transitions. */
function measure(stem: string): number {
  const flags = consonantFlags(stem);
  let m = 0;
  for (let i = 1; i < flags.length; i++) if (!flags[i - 1] && flags[i]) m++;
  return m;
}

const positiveMeasure = (stem: string): boolean => measure(stem) > 0;
const measureAboveOne = (stem: string): boolean => measure(stem) > 1;
const containsVowel = (stem: string): boolean => consonantFlags(stem).includes(false);

/** *d: ends with two equal consonants. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && consonantFlags(word)[n - 1];
}

/** *o: ends consonant-vowel-consonant, the last not w, x or y. */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n < 3 || 'wxy'.includes(word[n - 1])) return false;
  const flags = consonantFlags(word);
  return flags[n - 3] && !flags[n - 2] && flags[n - 1];
}

type Rule = readonly [suffix: string, replacement: string, condition?: (stem: string) => boolean];

/** The first rule whose suffix ends the word decides: replaced if its condition holds, else the word stays. */
function applyFirstRule(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, word.length - suffix.length);
    return condition === undefined || condition(stem) ? stem + replacement : word;
  }
  return word;
}

function step1a(word: string): string {
  return applyFirstRule(word, [['sses', 'ss'], ['ies', 'i'], ['ss', 'ss'], ['s', '']]);
}

function step1b(word: string): string {
  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  const suffix = ['ed', 'ing'].find((ending) => word.endsWith(ending) && containsVowel(word.slice(0, -ending.length)));
  if (suffix === undefined) return word;
  const stem = word.slice(0, -suffix.length);
  if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return `${stem}e`;
  // A double consonant decides alone: `l`, `s` or `z` keep both letters and the m=1 *o rule is not tried (as NLTK).
  if (endsDoubleConsonant(stem)) return 'lsz'.includes(stem[stem.length - 1]) ? stem : stem.slice(0, -1);
  return measure(stem) === 1 && endsCvc(stem) ? `${stem}e` : stem;
}

function step1c(word: string): string {
  return applyFirstRule(word, [['y', 'i', containsVowel]]);
}

const STEP2_RULES: readonly Rule[] = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['bli', 'ble'],
  ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'], ['ation', 'ate'],
  ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'],
  ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
].map(([suffix, replacement]) => [suffix, replacement, positiveMeasure] as const);

const STEP3_RULES: readonly Rule[] = [
  ['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', ''],
].map(([suffix, replacement]) => [suffix, replacement, positiveMeasure] as const);

const STEP4_RULES: readonly Rule[] = [
  'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti',
  'ous', 'ive', 'ize',
].map((suffix) =>
  suffix === 'ion'
    ? ([suffix, '', (stem: string) => measureAboveOne(stem) && (stem.endsWith('s') || stem.endsWith('t'))] as const)
    : ([suffix, '', measureAboveOne] as const),
);

/** Both e-rules are tried (unlike a rule list): m>1, or m=1 and not *o. */
function step5a(word: string): string {
  if (!word.endsWith('e')) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : word;
}

function step5b(word: string): string {
  return word.endsWith('ll') && measure(word.slice(0, -1)) > 1 ? word.slice(0, -1) : word;
}

/** The Porter stem of one §3 token; tokens of one or two characters are returned as they are. */
export function porterStem(token: string): string {
  if (token.length <= 2) return token;
  return step5b(step5a(applyFirstRule(applyFirstRule(applyFirstRule(step1c(step1b(step1a(token))), STEP2_RULES), STEP3_RULES), STEP4_RULES)));
}
