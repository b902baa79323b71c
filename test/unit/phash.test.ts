import { describe, expect, it } from 'vitest';
import { phashDistance, phashOf, phashWords, popcount32 } from '../../server/ingest/phash.ts';

/** A 64x64 RGB test card: `f(x, y)` is the grey level. */
function card(f: (x: number, y: number) => number, side = 64): Uint8Array {
  const px = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      px.fill(Math.max(0, Math.min(255, Math.round(f(x, y)))), (y * side + x) * 3, (y * side + x + 1) * 3);
  return px;
}

/** A smooth random picture whose low frequencies all matter, like a photo's (seeded). */
function field(seed: number, offset = 0): Uint8Array {
  let r = seed * 2654435761;
  const rand = () => {
    r = (r * 1103515245 + 12345) >>> 0;
    return r / 2 ** 32 - 0.5;
  };
  const amp = Array.from({ length: 64 }, (_, i) => (rand() * 120) / (1 + (i % 8) + Math.floor(i / 8)));
  return card((x, y) => {
    let v = 128 + offset;
    for (let i = 1; i < 64; i++)
      v +=
        amp[i]! *
        Math.cos((Math.PI * (i % 8) * (x + 0.5)) / 64) *
        Math.cos((Math.PI * Math.floor(i / 8) * (y + 0.5)) / 64);
    return v;
  });
}

describe('phash', () => {
  it('gives 16 hex digits, 0 for the same picture and a brightness shift, many bits for another picture', () => {
    const a = phashOf(field(1), 64, 64);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(phashDistance(a, phashOf(field(1), 64, 64))).toBe(0);
    expect(phashDistance(a, phashOf(field(1, 12), 64, 64))).toBe(0);
    for (const other of [2, 3, 4])
      expect(phashDistance(a, phashOf(field(other), 64, 64))).toBeGreaterThan(16);
  });

  it('barely moves under noise', () => {
    let seed = 7;
    const clean = field(5);
    const noisy = clean.map((v) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return Math.max(0, Math.min(255, v + ((seed >>> 24) % 11) - 5));
    });
    expect(phashDistance(phashOf(clean, 64, 64), phashOf(noisy, 64, 64))).toBeLessThanOrEqual(4);
  });

  it.each([
    [0, 0],
    [1, 1],
    [0xffffffff, 32],
    [0x80000001, 2],
    [0x0f0f0f0f, 16],
  ])('popcount32(%i) = %i', (v, n) => {
    expect(popcount32(v)).toBe(n);
  });

  it('measures distance bit by bit, and refuses what is not a hash', () => {
    expect(phashDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(phashDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(phashWords('00000001ffffffff')).toEqual([1, 0xffffffff]);
    expect(() => phashWords('xyz')).toThrow(RangeError);
    expect(() => phashOf(new Uint8Array(10), 64, 64)).toThrow(RangeError);
  });
});
