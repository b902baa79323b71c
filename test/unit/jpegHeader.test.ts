import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readJpegHeader } from '../../server/ingest/jpegHeader.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { phoneJpeg, syntheticJpeg } from '../support/images.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

/** What libvips says, in the reader's terms. */
async function libvips(buf: Buffer) {
  const m = await sharp(buf).metadata();
  return { width: m.width, height: m.height, components: m.channels };
}

/** A marker segment: FF, marker, 16-bit length (itself included), payload. */
function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** `jpeg` with `extra` segments inserted right after its SOI. */
function withSegments(jpeg: Buffer, ...extra: Buffer[]): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), ...extra, jpeg.subarray(2)]);
}

/** Offset of the frame header (SOF0 or SOF2) in a JPEG sharp wrote. */
function frameAt(jpeg: Buffer): number {
  for (let i = 2; i < jpeg.length - 1; i++)
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) return i;
  throw new Error('no frame header');
}

describe('readJpegHeader', () => {
  it('agrees with libvips on the fixtures and on phone-like photos', async () => {
    const files = ['astronaut-orient6-gps.jpg', 'rocket-3mp.jpg', 'hubble-small.jpg'].map(
      fixture,
    ) as Buffer[];
    files.push(await phoneJpeg(files[1]!, 4032, 3024, 3), await phoneJpeg(files[0]!, 1224, 1632, 4));
    for (const f of files) expect(readJpegHeader(f)).toEqual(await libvips(f));
  });

  it('reads progressive, greyscale, CMYK and mozjpeg JPEGs with a restart interval as libvips does', async () => {
    const base = sharp(await syntheticJpeg(640, 480, 5));
    const cases = [
      await base.clone().jpeg({ progressive: true }).toBuffer(),
      await base.clone().toColourspace('b-w').jpeg().toBuffer(),
      await base.clone().toColourspace('cmyk').jpeg().toBuffer(),
      withSegments(
        await base.clone().jpeg({ mozjpeg: true }).toBuffer(),
        segment(0xdd, Buffer.from([0, 16])),
      ),
    ];
    const got = [];
    for (const c of cases) {
      expect(readJpegHeader(c)).toEqual(await libvips(c));
      got.push(readJpegHeader(c)?.components);
    }
    expect(got).toEqual([3, 1, 4, 3]);
  });

  it('skips an EXIF segment that holds a thumbnail JPEG of another size, and fill bytes', async () => {
    const photo = await syntheticJpeg(800, 600, 2);
    const thumb = await syntheticJpeg(160, 120, 3);
    const exif = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), thumb]));
    const f = withSegments(photo, exif, Buffer.from([0xff]));
    expect(readJpegHeader(f)).toEqual({ width: 800, height: 600, components: 3 });
    expect(readJpegHeader(f)).toEqual(await libvips(f));
  });

  it('gives up, rather than guess, on what it does not read plainly', async () => {
    const photo = await syntheticJpeg(320, 240, 1);
    const at = frameAt(photo);
    // A height left to a DNL marker (0 in the frame header).
    const dnl = Buffer.from(photo);
    dnl.writeUInt16BE(0, at + 5);
    expect(readJpegHeader(dnl)).toBeNull();
    // 12-bit precision.
    const twelve = Buffer.from(photo);
    twelve[at + 4] = 12;
    expect(readJpegHeader(twelve)).toBeNull();
    // Cut inside the frame header, or before it.
    expect(readJpegHeader(photo.subarray(0, at + 6))).toBeNull();
    expect(readJpegHeader(photo.subarray(0, 3))).toBeNull();
    // Not a JPEG, or garbage where a marker belongs.
    expect(readJpegHeader(Buffer.from('not a jpeg at all'))).toBeNull();
    const garbage = Buffer.concat([photo.subarray(0, 2), Buffer.from([0x12, 0x34]), photo.subarray(2)]);
    expect(readJpegHeader(garbage)).toBeNull();
  });

  it('ingest keeps its answers: the limits from the header, libvips where the reader gives up', async () => {
    const photo = await syntheticJpeg(900, 200, 1);
    await expect(ingestPhoto(photo)).rejects.toMatchObject({ code: 'BAD_ASPECT_RATIO', status: 422 });
    const small = await syntheticJpeg(300, 150, 1);
    await expect(ingestPhoto(small)).rejects.toMatchObject({ code: 'IMAGE_TOO_SMALL' });
    await expect(
      ingestPhoto(await syntheticJpeg(400, 300, 1), {
        limits: { maxPixels: 100_000, minSide: 200, maxAspect: 4 },
      }),
    ).rejects.toMatchObject({ code: 'TOO_MANY_PIXELS', status: 413 });
    // Only SOI and a segment: the reader gives up and libvips calls it broken.
    const stub = Buffer.concat([Buffer.from([0xff, 0xd8]), segment(0xe0, Buffer.from('JFIF\0'))]);
    expect(readJpegHeader(stub)).toBeNull();
    await expect(ingestPhoto(stub)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', status: 422 });
    // A CMYK photo still goes through the colour fix and comes out as sRGB tiles.
    const cmyk = await sharp(await syntheticJpeg(600, 600, 9))
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    const tile = await ingestPhoto(cmyk);
    const m = await sharp(tile.files.get(512)!).metadata();
    expect([m.width, m.channels, m.space]).toEqual([512, 3, 'srgb']);
  });

  it('converts a Display P3 photo (as iPhones save them) to sRGB by its profile, header read or not', async () => {
    // A saturated red, saved as Display P3 numbers with the P3 profile embedded.
    const red = Buffer.alloc(600 * 600 * 3);
    for (let i = 0; i < red.length; i += 3) red.set([230, 40, 40], i);
    const srgb = await sharp(red, { raw: { width: 600, height: 600, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const p3 = await sharp(srgb).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    expect(readJpegHeader(p3)).toMatchObject({ width: 600, height: 600, components: 3 });
    // The stored numbers are far from sRGB's: read as if they were sRGB, the red would be dull.
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(230 - stored[0]!).toBeGreaterThan(10);
    const fromP3 = await ingestPhoto(p3);
    const fromSrgb = await ingestPhoto(srgb);
    for (let k = 0; k < 3; k++) expect(Math.abs(fromP3.rgb[k]! - fromSrgb.rgb[k]!)).toBeLessThanOrEqual(3);
    const tile = await sharp(fromP3.files.get(512)!).raw().toBuffer();
    expect(Math.abs(tile[0]! - 230)).toBeLessThanOrEqual(4);
    expect((await sharp(fromP3.files.get(512)!).metadata()).icc).toBeUndefined();
  });
});
