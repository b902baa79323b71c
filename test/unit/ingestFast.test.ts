import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { attentionCrop } from '../../server/ingest/attention.ts';
import { phashOf } from '../../server/ingest/phash.ts';
import { quarter } from '../../server/ingest/shrink.ts';
import { noiseRgb as noise } from '../support/images.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

describe('quarter', () => {
  it('quarter is the rounded mean of each 4x4 block', () => {
    const px = noise(16, 16, 7);
    const q = quarter(px, 16);
    expect(q.length).toBe(4 * 4 * 3);
    for (let oy = 0; oy < 4; oy++)
      for (let ox = 0; ox < 4; ox++)
        for (let k = 0; k < 3; k++) {
          let s = 0;
          for (let dy = 0; dy < 4; dy++)
            for (let dx = 0; dx < 4; dx++) s += px[((oy * 4 + dy) * 16 + ox * 4 + dx) * 3 + k]!;
          expect(q[(oy * 4 + ox) * 3 + k]).toBe(Math.floor(s / 16 + 0.5));
        }
    expect(() => quarter(px, 15)).toThrow(RangeError);
  });

  it('gives the same bytes whether the input starts on a word boundary or not', () => {
    for (const side of [512, 128, 32]) {
      const px = noise(side, side, side);
      // White and black blocks: every lane at its largest and smallest sum.
      px.fill(255, 0, side * 3 * 4);
      px.fill(0, side * 3 * 4, side * 3 * 8);
      const unaligned = new Uint8Array(px.length + 1).subarray(1);
      unaligned.set(px);
      expect(unaligned.byteOffset % 4).not.toBe(0);
      const words = quarter(px, side);
      expect(words.equals(quarter(unaligned, side)), `side ${side}`).toBe(true);
      expect(words.subarray(0, (side / 4) * 3).every((v) => v === 255)).toBe(true);
      expect(words.subarray((side / 4) * 3, (side / 4) * 6).every((v) => v === 0)).toBe(true);
    }
  });
});

describe('phashOf', () => {
  /** The textbook construction, pixel by pixel: the fast one must give the very same bits. */
  function reference(px: Uint8Array, width: number, height: number, channels: number): string {
    const N = 32;
    const sums = new Float64Array(N * N);
    const counts = new Float64Array(N * N);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * channels;
        const g =
          Math.min(N - 1, Math.floor((y * N) / height)) * N + Math.min(N - 1, Math.floor((x * N) / width));
        sums[g]! += channels >= 3 ? 0.299 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]! : px[i]!;
        counts[g]! += 1;
      }
    for (let g = 0; g < N * N; g++) sums[g] = sums[g]! / (counts[g] || 1);
    const cos = (u: number, x: number) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
    const coef: number[] = [];
    for (let v = 0; v < 8; v++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < N; y++) {
          let row = 0;
          for (let x = 0; x < N; x++) row += sums[y * N + x]! * cos(u, x);
          s += row * cos(v, y);
        }
        coef.push(s);
      }
    const sorted = coef.slice(1).sort((a, b) => a - b);
    const median = (sorted[31]! + sorted[32]!) / 2;
    return coef.map((c) => (c > median ? '1' : '0')).join('');
  }
  const bits = (hex: string) => BigInt(`0x${hex}`).toString(2).padStart(64, '0');

  it.each([
    [512, 512, 3],
    [777, 513, 3],
    [300, 200, 4],
    [64, 48, 1],
    [20, 12, 3],
  ])('matches the textbook pHash on %ix%i, %i channels', async (w, h, ch) => {
    let img = sharp(fixture('rocket-3mp.jpg')).resize(w, h, { fit: 'fill' });
    img = ch === 1 ? img.greyscale() : ch === 4 ? img.ensureAlpha() : img;
    const px = await img.raw().toBuffer();
    expect(bits(phashOf(px, w, h, ch))).toBe(reference(px, w, h, ch));
  });
});

describe('attention crop (libvips port)', () => {
  async function strips(name: string): Promise<Buffer[]> {
    const { data, info } = await sharp(fixture(name)).rotate().toBuffer({ resolveWithObject: true });
    const { width: W, height: H } = info;
    const out = [data];
    for (let k = 0; k < 6; k++) {
      const w = k % 2 ? W : Math.max(200, Math.round(W * (0.3 + k * 0.1)));
      const h = k % 2 ? Math.max(200, Math.round(H * (0.3 + k * 0.1))) : H;
      const left = Math.round((W - w) * (k / 6));
      const top = Math.round((H - h) * (k / 6));
      out.push(await sharp(data).extract({ left, top, width: w, height: h }).toBuffer());
    }
    return out;
  }

  it.each(['astronaut-orient6-gps.jpg', 'hubble-small.jpg', 'rocket-3mp.jpg'])(
    'lands where sharp does on crops of %s',
    async (name) => {
      for (const photo of await strips(name)) {
        const { data, info } = await sharp(photo)
          .resize(512, 512, { fit: 'outside' })
          .raw()
          .toBuffer({ resolveWithObject: true });
        const { width: W, height: H } = info;
        const theirs = await sharp(data, { raw: info })
          .resize(512, 512, { position: 'attention' })
          .raw()
          .toBuffer({ resolveWithObject: true });
        const want = {
          left: 0 - (theirs.info.cropOffsetLeft ?? 0),
          top: 0 - (theirs.info.cropOffsetTop ?? 0),
        };
        // Given the thumbnail libvips scores, the port makes exactly libvips' choice.
        const thumb = await sharp(data, { raw: info }).resize(32, 32, { fit: 'fill' }).raw().toBuffer();
        expect(attentionCrop(thumb, W, H, 512, 512)).toEqual(want);
      }
    },
  );

  it('keeps the crop inside the image', () => {
    const c = attentionCrop(noise(32, 32, 3), 900, 300, 300, 300);
    expect(c.top).toBe(0);
    expect(c.left).toBeGreaterThanOrEqual(0);
    expect(c.left).toBeLessThanOrEqual(600);
    expect(() => attentionCrop(noise(8, 8), 900, 300, 300, 300)).toThrow(RangeError);
  });
});
