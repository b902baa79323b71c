import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { meanAbsDiff } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { useServer } from '../support/useServer.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

async function preview(url: string, photo: Buffer) {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)]), 'p.jpg');
  return fetch(`${url}/api/preview`, { method: 'POST', body: form });
}

/** Mean absolute difference of two images at 48x48. */
async function diff(a: Buffer, b: Buffer) {
  const [x, y] = await Promise.all([a, b].map((i) => sharp(i).resize(48, 48).removeAlpha().raw().toBuffer()));
  return meanAbsDiff(x!, y!);
}

describe('POST /api/preview: where the server will crop', () => {
  const s = useServer();

  it.each(['rocket-3mp.jpg', 'astronaut-orient6-gps.jpg'])(
    'matches the stored tile of %s better than a centred square, and stores nothing',
    async (name) => {
      const photo = fixture(name);
      // The page sends a small upright copy; do the same.
      const small = await sharp(photo).rotate().resize(640, 640, { fit: 'inside' }).jpeg().toBuffer();
      const count = async () => (await (await fetch(`${s().url}/api/mosaic`)).json()).tileCount;
      const before = await count();
      const res = await preview(s().url, small);
      expect(res.status).toBe(200);
      const { crop } = await res.json();
      expect(await count()).toBe(before);

      const up = await sharp(photo).rotate().toBuffer({ resolveWithObject: true });
      const { width: w, height: h } = up.info;
      const side = Math.min(w, h);
      const cut = (left: number, top: number) =>
        sharp(up.data).extract({ left, top, width: side, height: side }).png().toBuffer();
      const predicted = await cut(Math.round(crop.left * w), Math.round(crop.top * h));
      const centred = await cut(Math.floor((w - side) / 2), Math.floor((h - side) / 2));
      expect(crop.width * w).toBeCloseTo(side, -1);

      const r = await upload(s().url, photo);
      const { id } = await r.json();
      const tile = Buffer.from(await (await fetch(`${s().url}/tiles/${id}/512.webp`)).arrayBuffer());
      const dPred = await diff(predicted, tile);
      expect(dPred).toBeLessThan(8);
      if (w !== h) expect(dPred).toBeLessThan(await diff(centred, tile));
    },
  );

  it('refuses what an upload refuses', async () => {
    const res = await preview(s().url, Buffer.from('<html></html>'));
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe('UNSUPPORTED_FORMAT');
  });
});
