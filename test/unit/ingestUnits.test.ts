import { describe, expect, it } from 'vitest';
import { readConfig } from '../../server/config.ts';
import { newDeleteToken, tokenMatches } from '../../server/core/deleteToken.ts';
import { sniffFormat } from '../../server/ingest/sniff.ts';
import { labToSrgb, srgbToLab, toLinearExact } from '../../shared/mosaic/colour.ts';
import { boxAverage, featuresFromSubgrid, gridFeatures } from '../../shared/mosaic/features.ts';
import { FEATURE_LEN } from '../../shared/mosaic/types.ts';

describe('sniffFormat', () => {
  it.each([
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0, 0, 0]],
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['webp', [...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')]],
    ['avif', [0, 0, 0, 28, ...Buffer.from('ftypavif\0\0\0\0avifmif1miaf')]],
    ['heic', [0, 0, 0, 24, ...Buffer.from('ftypheic\0\0\0\0mif1heic')]],
    // HEIF by its compatible brands alone (the major brand names none of them).
    ['heic', [0, 0, 0, 28, ...Buffer.from('ftypmsf1\0\0\0\0iso8msf1heic')]],
  ])('recognises %s by its bytes', (fmt, bytes) => {
    expect(sniffFormat(Buffer.from(bytes))).toBe(fmt);
  });

  it.each([
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'SVG'],
    ['<?xml version="1.0"?><svg/>', 'SVG'],
    ['%PDF-1.7', 'PDF'],
    ['GIF89a....', 'GIF'],
    ['II*\0....', 'TIFF'],
    ['<html><body>', 'HTML'],
  ])('refuses %j with 415 naming %s', (text, name) => {
    expect(() => sniffFormat(Buffer.from(text, 'latin1'))).toThrow(
      expect.objectContaining({ status: 415, message: expect.stringContaining(name) }),
    );
  });
});

describe('colour features', () => {
  it.each([
    [
      [255, 255, 255],
      [100, 0, 0],
    ],
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    [
      [255, 0, 0],
      [53.24, 80.09, 67.2],
    ],
  ])('sRGB %j is Lab %j and back', (rgb, lab) => {
    const out = srgbToLab(rgb[0]!, rgb[1]!, rgb[2]!, [0, 0, 0]);
    for (let i = 0; i < 3; i++) expect(out[i]!).toBeCloseTo(lab[i]!, 1);
    const back = labToSrgb(out[0]!, out[1]!, out[2]!);
    for (let i = 0; i < 3; i++) expect(back[i]!).toBeCloseTo(rgb[i]!, 0);
  });

  it('gives bit-identical Lab on the quarter steps the table serves, and the formula between them', () => {
    // Lightness from the formula alone: L depends on Y only, and grey has r = g = b.
    const lightness = (v: number) => {
      const lin = toLinearExact(v);
      const y = (0.2126729 * lin + 0.7151522 * lin + 0.072175 * lin) / 1.0;
      const fy = y > 216 / 24389 ? Math.cbrt(y) : ((24389 / 27) * y + 16) / 116;
      return 116 * fy - 16;
    };
    const out = [0, 0, 0];
    for (let q = 0; q <= 1020; q++) {
      srgbToLab(q / 4, q / 4, q / 4, out);
      expect(out[0]).toBe(lightness(q / 4));
    }
    for (const v of [0.1, 17.3, 128.01, 254.9]) {
      srgbToLab(v, v, v, out);
      expect(out[0]).toBe(lightness(v));
    }
  });

  it('box-averages any ratio', () => {
    // 4x2 image: left half red, right half blue -> 2x1
    const px = Uint8Array.from([
      255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255,
    ]);
    expect([...boxAverage(px, 4, 2, 3, 2, 1)]).toEqual([255, 0, 0, 0, 0, 255]);
    expect([...boxAverage(px, 4, 2, 3, 1, 1)]).toEqual([128, 0, 128]);
  });

  it('sub-cell features see an edge that the mean does not', () => {
    const topDark = new Uint8Array(27).map((_, i) => (i < 9 ? 0 : 200));
    const bottomDark = new Uint8Array(27).map((_, i) => (i >= 18 ? 0 : 200));
    const f1 = featuresFromSubgrid(topDark, 3);
    const f2 = featuresFromSubgrid(bottomDark, 3);
    expect(f1[0]).toBeCloseTo(f2[0]!, 3); // same mean
    expect(f1[3]).toBeLessThan(10); // top-left sub-cell dark
    expect(f2[3]).toBeGreaterThan(70); // top-left sub-cell light
  });

  it('grid features are cell-major', () => {
    const px = new Uint8Array(6 * 3 * 3);
    for (let y = 0; y < 3; y++) for (let x = 3; x < 6; x++) px.set([255, 255, 255], (y * 6 + x) * 3);
    const f = gridFeatures(px, 3, 2, 1);
    expect(f.length).toBe(2 * FEATURE_LEN);
    expect(f[0]).toBeCloseTo(0);
    expect(f[FEATURE_LEN]).toBeCloseTo(100, 0);
  });
});

describe('config and tokens', () => {
  it('reads defaults and rejects bad values with the variable named', () => {
    const c = readConfig({});
    expect([c.PORT, c.MOSAIC_TINT, c.MAX_UPLOAD_MB, c.MODERATION]).toEqual([3000, 0.3, 20, 'post']);
    // Per browser, per address: a crowd on one venue Wi-Fi is not one person.
    expect([c.UPLOAD_RATE_LIMIT, c.UPLOAD_NETWORK_RATE_LIMIT, c.SOCKETS_PER_IP]).toEqual([5, 60, 200]);
    expect(() => readConfig({ MOSAIC_TINT: '2' })).toThrow(/MOSAIC_TINT/);
    expect(() => readConfig({ MODERATION: 'later' })).toThrow(/MODERATION/);
    // Unset: the machine's cores decide (defaultHeicWorkers); else at least one.
    expect([c.HEIC_WORKERS, readConfig({ HEIC_WORKERS: '3' }).HEIC_WORKERS]).toEqual([undefined, 3]);
    expect(() => readConfig({ HEIC_WORKERS: '0' })).toThrow(/HEIC_WORKERS/);
  });

  it('delete tokens match only themselves', () => {
    const { token, hash } = newDeleteToken();
    expect(tokenMatches(token, hash)).toBe(true);
    // The last character changed (to one it is not: a fixed 'x' failed whenever the token ended in x).
    const other = token.endsWith('x') ? 'y' : 'x';
    expect(tokenMatches(`${token.slice(0, -1)}${other}`, hash)).toBe(false);
    expect(hash).not.toContain(token);
  });
});
