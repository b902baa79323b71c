import { describe, expect, it } from 'vitest';
import { popcount32 } from '../../server/ingest/phash.ts';
import { DuplicateIndex } from '../../server/safety/DuplicateIndex.ts';
import { mulberry32 } from '../../shared/mosaic/rng.ts';

describe('DuplicateIndex', () => {
  const h = (hi: number, lo = 0) =>
    (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

  it('finds a stored hash within the threshold and not beyond; forgets deleted tiles', () => {
    const idx = new DuplicateIndex(6);
    idx.add(1, h(0));
    idx.add(2, h(0xffffffff, 0xffffffff));
    expect(idx.find(h(0b111111))).toBe(1); // 6 bits away
    expect(idx.find(h(0b1111111))).toBeNull(); // 7 bits away
    expect(idx.find(h(0xffffffff, 0xfffffff0))).toBe(2);
    idx.delete(1);
    expect(idx.find(h(0))).toBeNull();
    expect(idx.size).toBe(1);
  });

  it('holds a reservation until the tile is added, or until it expires', () => {
    let now = 0;
    const idx = new DuplicateIndex(6, () => now);
    idx.reserve(h(5));
    expect(idx.find(h(5))).toBe(-1);
    idx.add(9, h(5));
    expect(idx.find(h(5))).toBe(9);
    idx.delete(9);
    expect(idx.find(h(5))).toBeNull();

    idx.reserve(h(7));
    now = 29_000;
    expect(idx.find(h(7))).toBe(-1);
    now = 31_000;
    expect(idx.find(h(7))).toBeNull();
  });

  it('grows past its first capacity and reuses freed slots', () => {
    const idx = new DuplicateIndex(0);
    for (let i = 1; i <= 3000; i++) idx.add(i, h(i * 2654435761, i));
    expect(idx.find(h(2999 * 2654435761, 2999))).toBe(2999);
    for (let i = 1; i <= 1000; i++) idx.delete(i);
    for (let i = 5001; i <= 5500; i++) idx.add(i, h(i * 2654435761, i));
    expect(idx.size).toBe(2500);
    expect(idx.find(h(5500 * 2654435761, 5500))).toBe(5500);
    expect(idx.find(h(10 * 2654435761, 10))).toBeNull();
  });
});

describe('DuplicateIndex multi-index', () => {
  it('answers exactly as a full scan would, for every threshold, through adds, deletes and reuse', () => {
    const r01 = mulberry32(12345);
    const rnd = () => Math.floor(r01() * 2 ** 32);
    const hex = (hi: number, lo: number) =>
      (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
    // Flip `d` random bits of a hash.
    const near = (hi: number, lo: number, d: number): [number, number] => {
      for (let k = 0; k < d; k++) {
        const bit = rnd() % 64;
        if (bit < 32) hi ^= 1 << bit;
        else lo ^= 1 << (bit - 32);
      }
      return [hi, lo];
    };
    for (const threshold of [0, 3, 6, 7, 10, 11, 14]) {
      const idx = new DuplicateIndex(threshold);
      const stored: [number, number][] = [];
      for (let id = 1; id <= 3000; id++) {
        const w: [number, number] = [rnd() | 0, rnd() | 0];
        stored.push(w);
        idx.add(id, hex(...w));
        if (id % 7 === 0) idx.delete(id - 3);
      }
      let hits = 0;
      for (let q = 0; q < 600; q++) {
        const base = stored[rnd() % stored.length]!;
        const [qh, ql] = q % 2 ? near(base[0], base[1], rnd() % (threshold + 4)) : [rnd() | 0, rnd() | 0];
        const got = idx.find(hex(qh, ql));
        const want = idx.scan(qh | 0, ql | 0);
        expect(got === null).toBe(want === null);
        if (got !== null) {
          hits++;
          const [sh, sl] = stored[got - 1]!;
          expect(popcount32(sh ^ qh) + popcount32(sl ^ ql)).toBeLessThanOrEqual(threshold);
        }
      }
      expect(hits).toBeGreaterThan(40);
    }
  });
});
