import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { checkThumbnailPort, thumbnailPortAgrees } from '../../server/ingest/pipeline.ts';
import { attentionThumb } from '../../server/ingest/thumb.ts';
import { noiseRgb as noise } from '../support/images.ts';

/** Smooth ramps and waves, one per channel, with a hard black/white bar (lanczos rings there). */
function gradient(width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const bar = Math.floor((x * 7) / width) === 3;
      px[i] = bar ? 255 : Math.round((255 * x) / (width - 1));
      px[i + 1] = bar ? 0 : Math.round((255 * y) / (height - 1));
      px[i + 2] = Math.round(127.5 + 127.5 * Math.sin((x + 2 * y) / 23));
    }
  return px;
}

/** What the port must reproduce: sharp's own 32x32 fill resize of the raw image. */
function viaSharp(px: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(px, { raw: { width, height, channels: 3 } })
    .resize(32, 32, { fit: 'fill' })
    .raw()
    .toBuffer();
}

/** How far apart two thumbnails are, for a readable failure. */
function difference(a: Uint8Array, b: Uint8Array): string {
  let bytes = 0;
  let max = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    if (d) bytes++;
    max = Math.max(max, d);
  }
  return `${bytes} of ${a.length} bytes differ, by up to ${max}`;
}

async function expectSame(px: Uint8Array, width: number, height: number, what: string): Promise<void> {
  const want = await viaSharp(px, width, height);
  const got = attentionThumb(px, width, height);
  expect(got.length, what).toBe(32 * 32 * 3);
  if (!got.equals(want)) expect.fail(`${what} ${width}x${height}: ${difference(got, want)}`);
}

const SHAPES: [number, number][] = [
  [683, 512],
  [512, 683],
  [512, 512],
  [910, 512],
  [2048, 512],
  [512, 2048],
  [341, 256],
  [256, 341],
  [256, 1024],
  [1024, 256],
  [256, 256],
  [1000, 750],
  [767, 512],
  [587, 512],
];

/** Odd sizes: no box shrink (below 128), box shrinks with a short last group, 32 itself. */
const ODD: [number, number][] = [
  [32, 32],
  [32, 700],
  [700, 32],
  [33, 95],
  [127, 127],
  [128, 129],
  [200, 200],
  [333, 257],
  [1001, 999],
  [4095, 517],
  [8192, 2048],
];

/*
 * Shapes where the rows' source positions fall within rounding of a 1/64th boundary, so
 * the result depends on how vips_reducev steps through its regions (32 rows at once, or
 * 16 at a time when a box shrink across follows): any other choice fails on some of these.
 */
const STEPPING: [number, number][] = [
  [64, 385],
  [64, 391],
  [64, 683],
  [512, 393],
  [512, 417],
  [512, 651],
  [512, 786],
  [512, 945],
  [512, 1155],
];

describe('attentionThumb', () => {
  it('matches sharp byte for byte on noise and gradients of the usual shapes', async () => {
    for (const [w, h] of SHAPES) {
      await expectSame(noise(w, h, w * 7 + h), w, h, 'noise');
      await expectSame(gradient(w, h), w, h, 'gradient');
    }
  });

  it('matches sharp on odd sizes', async () => {
    for (const [w, h] of [...ODD, ...STEPPING]) await expectSame(noise(w, h, w + 3 * h), w, h, 'noise');
  });

  it('matches sharp on widths 512..2048 at height 512, and heights 300..1300 at width 512', async () => {
    for (let w = 512; w <= 2048; w += 37) await expectSame(noise(w, 512, w), w, 512, 'noise');
    for (let h = 300; h <= 1300; h += 11) await expectSame(noise(512, h, h), 512, h, 'noise');
  });

  it('matches sharp where the box shrink is too large for 16-bit lanes (height over 16384)', async () => {
    await expectSame(noise(40, 16_500, 5), 40, 16_500, 'noise');
  });

  it('matches sharp on real photos decoded like the ingest (512) and the preview (256)', async () => {
    const dirs = [
      join(import.meta.dirname, '../fixtures'),
      join(import.meta.dirname, '../../../shared/fixtures'),
    ];
    const seen = new Set<string>();
    for (const dir of dirs.filter((d) => existsSync(d)))
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.jpg'))) {
        const file = readFileSync(join(dir, name));
        const key = `${name}/${file.length}`;
        if (seen.has(key)) continue;
        seen.add(key);
        for (const side of [512, 256]) {
          const { data, info } = await sharp(file)
            .rotate()
            .resize(side, side, { fit: 'outside' })
            .raw()
            .toBuffer({ resolveWithObject: true });
          expect(info.channels).toBe(3);
          await expectSame(data, info.width, info.height, name);
        }
      }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('reads input that does not start on a word boundary', async () => {
    const px = noise(683, 512, 9);
    const shifted = new Uint8Array(px.length + 1).subarray(1);
    shifted.set(px);
    expect(attentionThumb(shifted, 683, 512).equals(await viaSharp(px, 683, 512))).toBe(true);
  });

  it('gives the same bytes when called again (its scratch space is reused)', () => {
    const a = noise(910, 512, 4);
    const first = attentionThumb(a, 910, 512);
    attentionThumb(noise(512, 2048, 5), 512, 2048);
    expect(attentionThumb(a, 910, 512).equals(first)).toBe(true);
  });

  it('passes the check ingest makes once against the libvips it loaded, so ingest uses it', async () => {
    expect(await thumbnailPortAgrees()).toBe(true);
  });

  it('has the check refuse a port that is one level off anywhere, with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const offByOne = (px: Uint8Array, width: number, height: number) => {
      const t = attentionThumb(px, width, height);
      t[500] = t[500]! ^ 1;
      return t;
    };
    expect(await checkThumbnailPort(offByOne)).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('thumbnails come from sharp'));
    warn.mockRestore();
  });

  it('refuses sizes below 32 (libvips would enlarge them) and short input', () => {
    expect(() => attentionThumb(new Uint8Array(31 * 40 * 3), 31, 40)).toThrow(RangeError);
    expect(() => attentionThumb(new Uint8Array(40 * 31 * 3), 40, 31)).toThrow(RangeError);
    expect(() => attentionThumb(new Uint8Array(100), 64, 64)).toThrow(RangeError);
  });
});
