/**
 * The term counts of one block for one text: a dense count per vocabulary index plus the list of indices touched, so
 * reading and clearing cost the text's distinct features, not the vocabulary. Reused from text to text: scoring
 * allocates no per-feature array (docs/benchmark.md, issue 13: allocation per request evicts the model from the caches).
 */
export class TermCounts {
  readonly values: Float64Array;
  touched = new Int32Array(256);
  size = 0;

  constructor(vocabularySize: number) {
    this.values = new Float64Array(vocabularySize);
  }

  add(index: number): void {
    if (this.values[index]++ !== 0) return;
    if (this.size === this.touched.length) {
      const grown = new Int32Array(this.touched.length * 2);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.size++] = index;
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.values[this.touched[i]] = 0;
    this.size = 0;
  }
}
