import { describe, expect, it } from 'vitest';
import { shrinkSquare } from '../../server/ingest/compose.ts';
import { noiseRgb } from '../support/images.ts';

/**
 * The exact area average by supersampling: each source pixel split into px x px sub-pixels,
 * each output pixel the mean of its side x side sub-pixels, in integers, rounded half up.
 */
function reference(src: Buffer, side: number, px: number): { value: number; half: boolean }[] {
  const out: { value: number; half: boolean }[] = [];
  const n = side * side;
  for (let oy = 0; oy < px; oy++)
    for (let ox = 0; ox < px; ox++)
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let sy = oy * side; sy < (oy + 1) * side; sy++)
          for (let sx = ox * side; sx < (ox + 1) * side; sx++)
            s += src[(Math.floor(sy / px) * side + Math.floor(sx / px)) * 3 + k]!;
        out.push({ value: Math.floor((2 * s + n) / (2 * n)), half: (2 * s) % (2 * n) === n });
      }
  return out;
}

describe('shrinkSquare', () => {
  it('is the exact area average at every size from 32 down to 1', () => {
    const src = noiseRgb(32, 32, 3);
    for (let px = 1; px <= 32; px++) {
      const got = shrinkSquare(src, 32, px);
      expect(got.length).toBe(px * px * 3);
      const want = reference(src, 32, px);
      // Float sums may round an exact half either way; everything else matches exactly.
      want.forEach((w, i) => {
        if (w.half) expect(Math.abs(got[i]! - w.value), `px ${px}, byte ${i}`).toBeLessThanOrEqual(1);
        else expect(got[i], `px ${px}, byte ${i}`).toBe(w.value);
      });
    }
  });

  it('gives the plain box mean at divisors, the mean colour at 1 px, and keeps a flat colour flat', () => {
    const src = noiseRgb(32, 32, 9);
    const eight = shrinkSquare(src, 32, 8);
    let s = 0;
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += src[(y * 32 + x) * 3]!;
    expect(eight[0]).toBe(Math.floor(s / 16 + 0.5));
    const one = shrinkSquare(src, 32, 1);
    for (let k = 0; k < 3; k++) {
      let t = 0;
      for (let i = k; i < src.length; i += 3) t += src[i]!;
      expect(one[k]).toBe(Math.round(t / 1024));
    }
    const flat = Buffer.alloc(32 * 32 * 3);
    for (let i = 0; i < flat.length; i += 3) flat.set([200, 40, 90], i);
    for (const px of [31, 17, 7, 3]) {
      const f = shrinkSquare(flat, 32, px);
      for (let i = 0; i < f.length; i += 3) expect([f[i], f[i + 1], f[i + 2]]).toEqual([200, 40, 90]);
    }
    expect(shrinkSquare(src, 32, 32).equals(src)).toBe(true);
  });
});
