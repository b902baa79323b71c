import { describe, expect, it } from 'vitest';
import { DIVISIONS, roundSplits, roundTop } from '../../client/ui/chartScale.ts';

describe('the console chart scales', () => {
  it('hold the largest value in round steps of 1, 2 or 5 times a power of ten', () => {
    expect(roundTop(0)).toBe(4);
    expect(roundTop(null)).toBe(4);
    expect(roundTop(3)).toBe(4);
    expect(roundTop(5)).toBe(8);
    expect(roundTop(23)).toBe(40);
    expect(roundTop(40)).toBe(40);
    expect(roundTop(41)).toBe(80);
    expect(roundTop(101)).toBe(200);
    expect(roundTop(1900)).toBe(2000);
    expect(roundTop(2001)).toBe(4000);
    for (const max of [0, 1, 7, 23, 99, 250, 1234, 98765]) {
      const top = roundTop(max);
      const step = top / DIVISIONS;
      expect(top).toBeGreaterThanOrEqual(max);
      expect(Number.isInteger(step)).toBe(true);
      expect(step / 10 ** Math.floor(Math.log10(step))).toBeOneOf([1, 2, 5]);
    }
  });

  it("put two scales' ticks at the same heights, so one set of gridlines serves both axes", () => {
    const waiting = roundSplits(roundTop(0)).map((v, _i, a) => v / a.at(-1)!);
    const ms = roundSplits(roundTop(23)).map((v, _i, a) => v / a.at(-1)!);
    expect(waiting).toEqual(ms);
    expect(roundSplits(40)).toEqual([0, 10, 20, 30, 40]);
  });
});
