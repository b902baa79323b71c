import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeHeicHere } from '../../server/ingest/heicDecode.ts';
import { heifColour } from '../../server/ingest/heifBoxes.ts';
import { halveRgba } from '../../server/ingest/shrink.ts';
import { taggedPng } from '../../server/ingest/taggedPng.ts';
import { withNclx } from '../support/heif.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

/** Display P3 by code points, with the matrix and range heif-enc coded the fixtures' pixels in. */
const P3_NCLX = { primaries: 12, transfer: 13, matrix: 6, fullRange: true };

describe('heifColour', () => {
  it("finds the Display P3 profile an iPhone-like HEIC carries, the same bytes as its JPEG's", async () => {
    const colour = heifColour(fixture('colours-p3.heic'));
    expect(colour && 'icc' in colour).toBe(true);
    const icc = Buffer.from((colour as { icc: Uint8Array }).icc);
    expect(icc.subarray(36, 40).toString('latin1')).toBe('acsp');
    expect(icc.equals((await sharp(fixture('colours-p3.jpg')).metadata()).icc!)).toBe(true);
  });

  it('reads the code points of an nclx colour property', () => {
    expect(heifColour(withNclx(fixture('colours-p3.heic'), P3_NCLX))).toEqual({ nclx: P3_NCLX });
    const bt709 = { primaries: 1, transfer: 1, matrix: 1, fullRange: false };
    expect(heifColour(withNclx(fixture('colours-p3.heic'), bt709))).toEqual({ nclx: bt709 });
  });

  it('finds none in a HEIC without a colour property, and none in what is not HEIF', () => {
    expect(heifColour(fixture('rocket-gps.heic'))).toBeNull();
    expect(heifColour(fixture('hubble-small.jpg'))).toBeNull();
    expect(heifColour(new Uint8Array(0))).toBeNull();
  });

  it('gives up quietly on a file cut inside its boxes', () => {
    for (const heic of [fixture('colours-p3.heic'), withNclx(fixture('colours-p3.heic'), P3_NCLX)])
      for (const cut of [12, 40, 100, 300, 840])
        expect(() => heifColour(heic.subarray(0, cut))).not.toThrow();
  });
});

describe('taggedPng', () => {
  it('holds the pixels exactly, over many stored blocks, and the profile it was given', async () => {
    const [width, height] = [301, 217]; // 261 KB of scanlines: five stored deflate blocks
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7919) & 255;
    const icc = (await sharp(fixture('colours-p3.jpg')).metadata()).icc!;
    const png = taggedPng(rgba, width, height, icc);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', width, height, 4]);
    expect(Buffer.from(meta.icc!).equals(icc)).toBe(true);
    // Read back without a colour conversion: the very bytes.
    const back = await sharp(png).keepIccProfile().raw().toBuffer();
    expect(back.equals(Buffer.from(rgba))).toBe(true);
  });
});

describe('taggedPng, RGB', () => {
  it('holds 3-channel pixels exactly too', async () => {
    const [width, height] = [257, 131];
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919) & 255;
    const icc = (await sharp(fixture('colours-p3.jpg')).metadata()).icc!;
    const png = taggedPng(rgb, width, height, icc, 3);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', width, height, 3]);
    expect((await sharp(png).keepIccProfile().raw().toBuffer()).equals(Buffer.from(rgb))).toBe(true);
  });
});

describe('halveRgba', () => {
  it('averages each 2x2 block, rounding half up, and drops a last odd row and column', () => {
    // 3x3 RGBA: the 2x2 block at the top left, then a column and a row that are dropped.
    const px = (v: number) => [v, v + 1, v + 2, 255];
    const src = new Uint8Array([
      ...px(0),
      ...px(1),
      ...px(99),
      ...px(2),
      ...px(3),
      ...px(99),
      ...px(99),
      ...px(99),
      ...px(99),
    ]);
    const half = halveRgba(src, 3, 3);
    expect([half.width, half.height]).toEqual([1, 1]);
    expect([...half.data]).toEqual([2, 3, 4, 255]); // (0+1+2+3+2)>>2 = 2
  });
});

describe('decodeHeicHere', () => {
  it.each([
    // The P3 photo comes back as a PNG tagged with its profile, halved while 4x the side remains.
    ['colours-p3.heic', 512, 'png', 1200, 1050],
    ['colours-p3.heic', 256, 'png', 600, 525],
    // No profile, and under 4x the side: its own size, as RGBA.
    ['rocket-gps.heic', 512, 'rgba', 1280, 854],
  ])('%s for a %i px side: %s at %ix%i', async (name, side, format, width, height) => {
    const answer = await decodeHeicHere({ buf: fixture(name), maxPixels: 50_000_000, side });
    expect(answer).toMatchObject({ ok: true, format, width, height });
    if (!answer.ok) return;
    const meta = format === 'png' ? await sharp(answer.data).metadata() : null;
    if (meta) expect([meta.width, meta.height, meta.channels]).toEqual([width, height, 4]);
    else expect(answer.data.length).toBe(width * height * 4);
  });

  it('tags the pixels of an nclx Display P3 HEIC with a P3 profile, and leaves other code points as sRGB', async () => {
    const decode = (nclx: typeof P3_NCLX) =>
      decodeHeicHere({ buf: withNclx(fixture('colours-p3.heic'), nclx), maxPixels: 50_000_000, side: 512 });
    const p3 = await decode(P3_NCLX);
    expect(p3).toMatchObject({ ok: true, format: 'png', width: 1200, height: 1050 });
    // libvips' own Display P3 profile: the one colours-p3.jpg was tagged with.
    const jpegIcc = (await sharp(fixture('colours-p3.jpg')).metadata()).icc!;
    if (p3.ok) expect(Buffer.from((await sharp(p3.data).metadata()).icc!).equals(jpegIcc)).toBe(true);
    // BT.709's primaries are sRGB's; PQ (HDR) would need tone mapping, not a profile.
    for (const nclx of [
      { ...P3_NCLX, primaries: 1 },
      { ...P3_NCLX, transfer: 16 },
    ])
      expect(await decode(nclx)).toMatchObject({ ok: true, format: 'rgba', width: 1200, height: 1050 });
  });

  it('answers the size alone for a photo over the limit, and refuses what is not a HEIC photo', async () => {
    expect(
      await decodeHeicHere({ buf: fixture('rocket-gps.heic'), maxPixels: 1_000_000, side: 512 }),
    ).toEqual({
      ok: false,
      reason: 'too-many-pixels',
      width: 1280,
      height: 854,
    });
    expect(await decodeHeicHere({ buf: fixture('hubble-small.jpg'), maxPixels: 1e9, side: 512 })).toEqual({
      ok: false,
      reason: 'corrupt',
    });
  });
});
