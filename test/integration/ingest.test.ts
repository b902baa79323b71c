import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { withNclx } from '../support/heif.ts';
import { listFiles, upload } from '../support/server.ts';
import { useServer } from '../support/useServer.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

/** R - B of a region: the orange suit scores high, the grey background and black helmet low. */
async function orangeness(webp: Buffer) {
  const { data, info } = await sharp(webp).resize(30, 30).raw().toBuffer({ resolveWithObject: true });
  const region = (x0: number, y0: number, x1: number, y1: number) => {
    let s = 0;
    let n = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const i = (y * info.width + x) * info.channels;
        s += data[i]! - data[i + 2]!;
        n++;
      }
    return s / n;
  };
  return { top: region(0, 0, 30, 10), bottom: region(0, 20, 30, 30) };
}

describe('ingest over HTTP', () => {
  const s = useServer();

  it('auto-orients the EXIF Orientation=6 astronaut: the suit ends up at the bottom', async () => {
    const res = await upload(s().url, fixture('astronaut-orient6-gps.jpg'));
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const tile = Buffer.from(await (await fetch(`${s().url}/tiles/${id}/512.webp`)).arrayBuffer());
    const o = await orangeness(tile);
    expect(o.bottom).toBeGreaterThan(o.top + 20);
    // Of the four rotations of the upright picture, the tile matches the upright one.
    const tiny = (img: ReturnType<typeof sharp>) => img.resize(16, 16).removeAlpha().raw().toBuffer();
    const mine = await tiny(sharp(tile));
    const upright = await sharp(fixture('astronaut-orient6-gps.jpg'))
      .rotate()
      .resize(512, 512, { position: 'attention' })
      .png()
      .toBuffer();
    const dist = async (deg: number) => {
      const other = await tiny(sharp(upright).rotate(deg));
      let d = 0;
      for (let i = 0; i < mine.length; i++) d += Math.abs(mine[i]! - other[i]!);
      return d / mine.length;
    };
    const [d0, d90, d180, d270] = await Promise.all([0, 90, 180, 270].map(dist));
    expect(d0).toBeLessThan(8);
    expect(Math.min(d90!, d180!, d270!)).toBeGreaterThan(d0! * 3);
  });

  it.each(['astronaut-orient6-gps.jpg', 'rocket-3mp.jpg', 'rocket-gps.heic'])(
    'no metadata survives in any served size of %s',
    async (name) => {
      const res = await upload(s().url, fixture(name));
      expect(res.status).toBe(201);
      const { id } = await res.json();
      const info = await (await fetch(`${s().url}/api/mosaic`)).json();
      for (const size of info.tileSizes as number[]) {
        const r = await fetch(`${s().url}/tiles/${id}/${size}.webp`);
        expect(r.status).toBe(200);
        // Immutable, but kept for a day at most: a delete must leave other caches soon.
        expect(r.headers.get('cache-control')).toBe('public, max-age=86400, immutable');
        const bytes = Buffer.from(await r.arrayBuffer());
        const meta = await sharp(bytes).metadata();
        expect(meta.format).toBe('webp');
        expect(meta.width).toBe(size);
        expect(meta.exif).toBeUndefined();
        expect(meta.xmp).toBeUndefined();
        expect(meta.icc).toBeUndefined();
        expect(meta.iptc).toBeUndefined();
        const text = bytes.toString('latin1');
        for (const needle of ['Exif', 'EXIF', 'XMP ', 'ICCP', 'GPS', 'TestPhone', 'Kiss 1', 'Private Name']) {
          expect(text.includes(needle), `${needle} in ${size}px`).toBe(false);
        }
      }
    },
  );

  it.each([
    [
      'an RGBA PNG',
      () =>
        sharp({
          create: { width: 600, height: 500, channels: 4, background: { r: 200, g: 30, b: 90, alpha: 0.5 } },
        })
          .png()
          .toBuffer(),
    ],
    ['a greyscale JPEG', () => sharp(fixture('hubble-small.jpg')).greyscale().jpeg().toBuffer()],
    ['a CMYK JPEG', () => sharp(fixture('hubble-small.jpg')).toColourspace('cmyk').jpeg().toBuffer()],
    ['a WebP', () => sharp(fixture('rocket-3mp.jpg')).webp().toBuffer()],
    ['an AVIF', () => sharp(fixture('hubble-small.jpg')).avif({ effort: 0 }).toBuffer()],
  ])('accepts %s and serves 3-channel WebP tiles', async (_name, make) => {
    const res = await upload(s().url, await make());
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const meta = await sharp(
      Buffer.from(await (await fetch(`${s().url}/tiles/${id}/128.webp`)).arrayBuffer()),
    ).metadata();
    expect([meta.format, meta.channels, meta.space]).toEqual(['webp', 3, 'srgb']);
  });

  /** A fixture (or other bytes under its name) uploaded, its 512 px tile at 16x16. */
  const tile = async (name: string, bytes: Buffer = fixture(name)) => {
    const type = name.endsWith('.heic') ? 'image/heic' : name.endsWith('.avif') ? 'image/avif' : 'image/jpeg';
    const res = await upload(s().url, bytes, {}, name, type);
    expect(res.status, name).toBe(201);
    const { id } = await res.json();
    const webp = Buffer.from(await (await fetch(`${s().url}/tiles/${id}/512.webp`)).arrayBuffer());
    return sharp(webp).resize(16, 16).raw().toBuffer();
  };

  it('reads a HEIC photo (the iPhone default): its tiles show the same picture as the JPEG', async () => {
    // rocket-gps.heic is rocket-3mp.jpg at 1280 px, encoded by libheif's x265 with its EXIF (GPS) kept.
    const [heic, jpeg, other] = await Promise.all([
      tile('rocket-gps.heic'),
      tile('rocket-3mp.jpg'),
      tile('hubble-small.jpg'),
    ]);
    const dist = (a: Buffer, b: Buffer) => a.reduce((d, v, i) => d + Math.abs(v - b[i]!), 0) / a.length;
    expect(dist(heic, jpeg)).toBeLessThan(6);
    expect(dist(heic, other)).toBeGreaterThan(dist(heic, jpeg) * 4);
  });

  it("keeps a Display P3 HEIC's colours, as for the same photo as a P3 JPEG", async () => {
    // An iPhone's photos are Display P3; read as sRGB, the orange would come out 213,91,44, not 230,80,20.
    const [heic, jpeg] = await Promise.all([tile('colours-p3.heic'), tile('colours-p3.jpg')]);
    const worst = heic.reduce((d, v, i) => Math.max(d, Math.abs(v - jpeg[i]!)), 0);
    expect(worst).toBeLessThan(6);
  });

  it('keeps the colours of a HEIC that says Display P3 by code points (nclx), as many Android phones do', async () => {
    // The same pixels as colours-p3.heic, their colour space given as nclx code points, not a profile.
    const nclx = withNclx(fixture('colours-p3.heic'), {
      primaries: 12,
      transfer: 13,
      matrix: 6,
      fullRange: true,
    });
    const [heic, jpeg] = await Promise.all([tile('colours-nclx.heic', nclx), tile('colours-p3.jpg')]);
    const worst = heic.reduce((d, v, i) => Math.max(d, Math.abs(v - jpeg[i]!)), 0);
    expect(worst).toBeLessThan(6);
  });

  it('keeps the colours of an AVIF that says Display P3 by code points (nclx)', async () => {
    // libvips reads an AVIF's ICC profile but not its nclx code points.
    const avif = await sharp(fixture('colours-p3.jpg'))
      .keepIccProfile()
      .resize(1200)
      .avif({ quality: 90 })
      .toBuffer();
    const nclx = withNclx(avif, { primaries: 12, transfer: 13, matrix: 6, fullRange: true });
    const [p3, jpeg] = await Promise.all([tile('colours-nclx.avif', nclx), tile('colours-p3.jpg')]);
    const worst = p3.reduce((d, v, i) => Math.max(d, Math.abs(v - jpeg[i]!)), 0);
    expect(worst).toBeLessThan(6);
  });

  it('decodes HEIC photos sent together one after another, and answers each', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        upload(s().url, fixture('rocket-gps.heic'), {}, 'IMG_0001.HEIC', 'image/heic'),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
  });

  it('serves a public record without anything identifying', async () => {
    const res = await upload(s().url, fixture('hubble-small.jpg'), { event: 'london' });
    const { id, col, row } = await res.json();
    const rec = await (await fetch(`${s().url}/api/tiles/${id}`)).json();
    expect(rec).toEqual({ id, col, row, event: 'london', createdAt: expect.any(String) });
    expect(Object.keys(rec).sort()).toEqual(['col', 'createdAt', 'event', 'id', 'row']);
  });

  it('gives unknown ids and sizes a 404 with a code', async () => {
    for (const path of [
      '/tiles/999999/128.webp',
      '/tiles/1/100.webp',
      '/tiles/abc/32.webp',
      '/api/tiles/424242',
    ]) {
      const r = await fetch(s().url + path);
      expect(r.status, path).toBe(404);
      expect((await r.json()).error.code).toBe('NOT_FOUND');
    }
  });

  it('hides faces server-side: the stored tile is a coarse pixelation with the same colours', async () => {
    const res = await upload(s().url, fixture('astronaut-orient6-gps.jpg'), { hideFaces: '1' });
    const { id } = await res.json();
    const tile = await sharp(
      Buffer.from(await (await fetch(`${s().url}/tiles/${id}/512.webp`)).arrayBuffer()),
    )
      .raw()
      .toBuffer({ resolveWithObject: true });
    // Inside one 512/12 px block the picture is flat: no facial detail survives.
    let maxDiff = 0;
    for (let y = 5; y < 35; y++)
      for (let x = 5; x < 35; x++) {
        const i = (y * 512 + x) * 3;
        maxDiff = Math.max(maxDiff, Math.abs(tile.data[i]! - tile.data[(5 * 512 + 5) * 3]!));
      }
    expect(maxDiff).toBeLessThan(12);
    expect(listFiles(s().dataDir).some((f) => f.includes('orig'))).toBe(false);
  });
});
