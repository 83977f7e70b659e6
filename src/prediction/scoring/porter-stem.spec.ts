import { porterStem } from './porter-stem.js';

// Expected stems printed by the reference, NLTK 3.10 PorterStemmer(MARTIN_EXTENSIONS) (training/features.py `stem`);
// test/golden/scorer-parity.golden-spec.ts compares 100,000 generated tokens with the reference live.
describe('porterStem (NLTK MARTIN_EXTENSIONS, docs/model-format.md §4.2)', () => {
  it.each([
    // Examples of Porter's paper, step by step through the whole algorithm.
    ['caresses', 'caress'], ['ponies', 'poni'], ['cats', 'cat'], ['feed', 'feed'], ['agreed', 'agre'],
    ['plastered', 'plaster'], ['bled', 'bled'], ['motoring', 'motor'], ['sing', 'sing'], ['conflated', 'conflat'],
    ['sized', 'size'], ['hopping', 'hop'], ['falling', 'fall'], ['hissing', 'hiss'], ['fizzed', 'fizz'],
    ['failing', 'fail'], ['filing', 'file'], ['happy', 'happi'], ['sky', 'sky'], ['relational', 'relat'],
    ['rational', 'ration'], ['conformabli', 'conform'], ['sensibiliti', 'sensibl'], ['triplicate', 'triplic'],
    ['formative', 'form'], ['adoption', 'adopt'], ['bowdlerize', 'bowdler'], ['probate', 'probat'], ['rate', 'rate'],
    ['cease', 'ceas'], ['controll', 'control'], ['roll', 'roll'], ['ab', 'ab'], ['a', 'a'],
    // 'y' is a vowel after a consonant and a consonant after a vowel (natural's stemmer got these wrong).
    ['wklyation', 'wklyation'], ['syzygy', 'syzygi'], ['toy', 'toi'], ['yyyyyyation', 'yyyyyy'], ['bayyal', 'bayyal'],
  ])('%s -> %s', (token, stem) => {
    expect(porterStem(token)).toBe(stem);
  });
});
