/**
 * The last `capacity` predictions of one model as a histogram over equal-width bins of p(spam), plus how many were
 * labelled spam. A ring of bin indices keeps add() O(1) and allocation-free: it runs once per scored message.
 */
export class ScoreWindow {
  private readonly binOfSlot: Uint8Array;
  private readonly spamOfSlot: Uint8Array;
  private readonly counts: Float64Array;
  private next = 0;
  private filled = 0;
  private spam = 0;

  constructor(
    readonly capacity: number,
    readonly bins: number,
  ) {
    this.binOfSlot = new Uint8Array(capacity);
    this.spamOfSlot = new Uint8Array(capacity);
    this.counts = new Float64Array(bins);
  }

  add(probability: number, isSpam: boolean): void {
    // Same binning as training/score_reference.py: floor(p * bins), p = 1 in the last bin.
    const bin = Math.min(Math.floor(probability * this.bins), this.bins - 1);
    if (this.filled === this.capacity) {
      this.counts[this.binOfSlot[this.next]]--;
      this.spam -= this.spamOfSlot[this.next];
    } else {
      this.filled++;
    }
    this.binOfSlot[this.next] = bin;
    this.spamOfSlot[this.next] = isSpam ? 1 : 0;
    this.counts[bin]++;
    if (isSpam) this.spam++;
    this.next = (this.next + 1) % this.capacity;
  }

  get size(): number {
    return this.filled;
  }

  /** Share of the window labelled spam; NaN while empty. */
  spamShare(): number {
    return this.filled === 0 ? Number.NaN : this.spam / this.filled;
  }

  /** Share of the window in each bin. */
  shares(): number[] {
    return Array.from(this.counts, (count) => (this.filled === 0 ? 0 : count / this.filled));
  }
}

/** An empty bin would make ln(actual / expected) infinite: both shares are floored here (as in training). */
export const SHARE_FLOOR = 1e-4;

/** Population stability index: Σ (actual - expected) · ln(actual / expected) over the bins (docs/metrics.md). */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error(`PSI needs equal bins: ${expected.length} vs ${actual.length}`);
  let psi = 0;
  for (let bin = 0; bin < expected.length; bin++) {
    const e = Math.max(expected[bin], SHARE_FLOOR);
    const a = Math.max(actual[bin], SHARE_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
