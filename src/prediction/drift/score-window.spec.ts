import { ScoreWindow, populationStabilityIndex } from './score-window.js';

describe('ScoreWindow', () => {
  it('keeps only the last `capacity` predictions', () => {
    const window = new ScoreWindow(4, 10);
    for (const p of [0.01, 0.02, 0.99, 0.95]) window.add(p, p >= 0.5);
    expect(window.spamShare()).toBe(0.5);
    window.add(0.97, true);
    window.add(0.98, true);
    expect(window.size).toBe(4);
    expect(window.spamShare()).toBe(1);
    expect(window.shares()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('bins like training: floor(p * bins), p = 1 in the last bin', () => {
    const window = new ScoreWindow(3, 10);
    window.add(0, false);
    window.add(0.1, false);
    window.add(1, true);
    expect(window.shares()).toEqual([1 / 3, 1 / 3, 0, 0, 0, 0, 0, 0, 0, 1 / 3]);
  });

  it('has no spam share while empty', () => {
    expect(new ScoreWindow(3, 10).spamShare()).toBeNaN();
  });
});

describe('populationStabilityIndex', () => {
  it('is 0 for the same distribution and grows with the shift', () => {
    const reference = [0.8, 0.05, 0.05, 0.1];
    expect(populationStabilityIndex(reference, reference)).toBe(0);
    const small = populationStabilityIndex(reference, [0.75, 0.05, 0.05, 0.15]);
    const large = populationStabilityIndex(reference, [0.4, 0.05, 0.05, 0.5]);
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(0.25);
  });

  it('stays finite when a bin is empty on one side (shares floored at 1e-4)', () => {
    expect(Number.isFinite(populationStabilityIndex([1, 0], [0.5, 0.5]))).toBe(true);
  });

  it('refuses different bins', () => {
    expect(() => populationStabilityIndex([1], [0.5, 0.5])).toThrow('equal bins');
  });
});
