/**
 * Deterministic hostile messages for the input-cost tests: the shapes that cost the most per character in the
 * scorer (docs/api.md "Input limits"). A tiny xorshift generator, so every run sends the same bytes.
 */
const CONSONANTS = 'bcdfghjklmnpqrstvwxz';

export class HostileText {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  private consonants(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += CONSONANTS[this.next() % CONSONANTS.length];
    return out;
  }

  /** One unbroken run of consonants: the Porter stemmer's worst case when tokens are not cut. */
  consonantRun(length: number): string {
    return this.consonants(length);
  }

  /** Distinct tokens of `tokenLength` consonants separated by single spaces: the most per-token memo entries. */
  longTokens(length: number, tokenLength: number): string {
    const tokens: string[] = [];
    let used = 0;
    while (used + tokenLength <= length) {
      tokens.push(this.consonants(tokenLength));
      used += tokenLength + 1;
    }
    return tokens.join(' ');
  }
}
