import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { listFiles, upload } from '../support/server.ts';
import { useServer } from '../support/useServer.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

describe('bad input gets a clear 4xx and leaves nothing behind', () => {
  const s = useServer({ MAX_UPLOAD_MB: '2' });
  const cases: [string, () => Promise<Buffer> | Buffer, number, string, string?][] = [];

  const jpeg = fixture('hubble-small.jpg');
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800"/></svg>',
  );
  const heic = Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from('ftypheic\0\0\0\0mif1heic'),
    Buffer.alloc(400),
  ]);
  cases.push(
    [
      'over MAX_UPLOAD_MB',
      () => Buffer.concat([jpeg, Buffer.alloc(3 * 1024 * 1024, 7)]),
      413,
      'FILE_TOO_LARGE',
    ],
    ['a 30000x30000 PNG bomb', () => fixture('bomb-30000.png'), 413, 'TOO_MANY_PIXELS'],
    ['a shorter side under 200 px', () => syntheticJpeg(400, 150), 422, 'IMAGE_TOO_SMALL'],
    ['an aspect ratio beyond 4:1', () => syntheticJpeg(1000, 220), 422, 'BAD_ASPECT_RATIO'],
    ['a truncated JPEG', () => jpeg.subarray(0, Math.floor(jpeg.length / 2)), 422, 'CORRUPT_IMAGE'],
    [
      'a JPEG header followed by garbage',
      () => Buffer.concat([jpeg.subarray(0, 600), Buffer.alloc(5000, 0x5a)]),
      422,
      'CORRUPT_IMAGE',
    ],
    ['an empty file', () => Buffer.alloc(0), 422, 'CORRUPT_IMAGE'],
    ['HTML', () => Buffer.from('<!doctype html><html><body>hi</body></html>'), 415, 'UNSUPPORTED_FORMAT'],
    [
      'random bytes',
      () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
      415,
      'UNSUPPORTED_FORMAT',
    ],
    ['an SVG named .jpg', () => svg, 415, 'UNSUPPORTED_FORMAT', 'SVG'],
    [
      'a PDF',
      () => Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'),
      415,
      'UNSUPPORTED_FORMAT',
      'PDF',
    ],
    [
      'a TIFF',
      () =>
        sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
          .tiff()
          .toBuffer(),
      415,
      'UNSUPPORTED_FORMAT',
      'TIFF',
    ],
    [
      'a GIF',
      () =>
        sharp({ create: { width: 400, height: 400, channels: 3, background: 'red' } })
          .gif()
          .toBuffer(),
      415,
      'UNSUPPORTED_FORMAT',
      'GIF',
    ],
    ['a HEIC header with no image after it', () => heic, 422, 'CORRUPT_IMAGE', 'damaged'],
    [
      'a HEIC that says it is 30000x30000',
      () => {
        // The file's own size property (ispe), which libheif reports before any decode.
        const b = Buffer.from(fixture('rocket-gps.heic'));
        const at = b.indexOf('ispe');
        b.writeUInt32BE(30000, at + 8);
        b.writeUInt32BE(30000, at + 12);
        return b;
      },
      413,
      'TOO_MANY_PIXELS',
      '30000x30000',
    ],
    [
      'a HEIC cut in half',
      () => fixture('rocket-gps.heic').subarray(0, 40_000),
      422,
      'CORRUPT_IMAGE',
      'damaged',
    ],
  );

  it.each(cases)('%s', async (_name, make, status, code, mention) => {
    const before = listFiles(s().dataDir).filter((f) => f.startsWith('tiles'));
    const countBefore = (await (await fetch(`${s().url}/api/mosaic`)).json()).tileCount;
    const res = await upload(s().url, await make());
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(15);
    if (mention) expect(body.error.message).toContain(mention);
    expect(listFiles(s().dataDir).filter((f) => f.startsWith('tiles'))).toEqual(before);
    expect((await (await fetch(`${s().url}/api/mosaic`)).json()).tileCount).toBe(countBefore);
  });

  it('refuses the bomb from its header, without decoding it', async () => {
    const rss0 = process.memoryUsage().rss;
    const res = await upload(s().url, fixture('bomb-30000.png'), {}, 'bomb.png', 'image/png');
    expect(res.status).toBe(413);
    // Decoding would need 900 MB; reading the header needs next to nothing.
    expect(process.memoryUsage().rss - rss0).toBeLessThan(150 * 1024 * 1024);
  });

  it.each([
    [
      'no photo field',
      () => {
        const f = new FormData();
        f.set('event', 'london');
        return f;
      },
      400,
      'NO_PHOTO',
    ],
    [
      'a bad event code',
      () => {
        const f = new FormData();
        f.set('photo', new Blob([jpeg]), 'p.jpg');
        f.set('event', '<script>');
        return f;
      },
      400,
      'BAD_EVENT',
    ],
  ] as const)('%s', async (_n, form, status, code) => {
    const res = await fetch(`${s().url}/api/tiles`, { method: 'POST', body: form() });
    expect(res.status).toBe(status);
    expect((await res.json()).error.code).toBe(code);
  });

  it('a JSON body instead of a form gets NO_PHOTO, and the server stays up', async () => {
    const res = await fetch(`${s().url}/api/tiles`, {
      method: 'POST',
      body: '{"photo":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('NO_PHOTO');
    const ok = await upload(s().url, jpeg);
    expect(ok.status).toBe(201);
  });
});
