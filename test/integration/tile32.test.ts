import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FileCache } from '../../server/core/FileCache.ts';
import { ingestPhoto, tileWebp } from '../../server/ingest/pipeline.ts';
import { TileFiles } from '../../server/store/tileFiles.ts';
import { meanAbsDiff, syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { useServer } from '../support/useServer.ts';

describe('the 32 px size, stored as raw pixels only', () => {
  const s = useServer();

  it('keeps no 32 px WebP, and serves one encoded from the raw pixels: 32x32, the same picture, no metadata', async () => {
    const res = await upload(s().url, await syntheticJpeg(900, 700, 21));
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    const files = new TileFiles(join(s().dataDir, 'tiles'));
    expect(await files.read(id, 32)).toBeNull();
    expect((await files.read(id, 128))?.length).toBeGreaterThan(0);
    const raw = await files.readRgb32(id);
    expect(raw?.length).toBe(32 * 32 * 3);

    const got = await fetch(`${s().url}/tiles/${id}/32.webp`);
    expect([got.status, got.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const webp = Buffer.from(await got.arrayBuffer());
    const meta = await sharp(webp).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif, meta.icc]).toEqual([
      'webp',
      32,
      32,
      undefined,
      undefined,
    ]);
    const { data } = await sharp(webp).raw().toBuffer({ resolveWithObject: true });
    expect(meanAbsDiff(data, raw!)).toBeLessThan(6);
    // At the stored sizes' settings: what ingest wrote when it kept the WebP.
    expect(webp.equals(await tileWebp(raw!, 32))).toBe(true);
  });

  it('serves a tile stored with its own 32 px WebP (as tiles were stored before) as stored', async () => {
    const p = await ingestPhoto(await syntheticJpeg(640, 480, 5));
    // Its own 32 px WebP: a flat colour, far from the raw pixels, so that the answer shows which was served.
    const own = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#10e020' } })
      .webp()
      .toBuffer();
    const tile = await s().app.service.add(
      { ...p, files: new Map([...p.files, [32 as const, own]]) },
      { event: null, phash: null },
    );
    const got = Buffer.from(await (await fetch(`${s().url}/tiles/${tile.id}/32.webp`)).arrayBuffer());
    expect(got.equals(own)).toBe(true);
  });

  it('encodes a 32 px WebP once and answers from memory after, and a delete forgets it', async () => {
    const res = await upload(s().url, await syntheticJpeg(800, 600, 12));
    const { id, deleteToken } = (await res.json()) as { id: number; deleteToken: string };
    const get = (size: number) => fetch(`${s().url}/tiles/${id}/${size}.webp`);
    const first = Buffer.from(await (await get(32)).arrayBuffer());
    // With the tile's file gone from the disk, only memory can answer.
    const files = new TileFiles(join(s().dataDir, 'tiles'));
    const kept = await readFile(files.file(id));
    await rm(files.file(id));
    expect((await get(128)).status).toBe(404);
    const again = await get(32);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(first)).toBe(true);
    await writeFile(files.file(id), kept);
    const del = await fetch(`${s().url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${deleteToken}` },
    });
    expect(del.status).toBe(204);
    expect((await get(32)).status).toBe(404);
    const cache = (s().app.service as unknown as { webp32: FileCache }).webp32;
    expect(cache.keys()).not.toContain(`${id}/32`);
  });

  it('answers 404 for the 32 px size of a deleted tile', async () => {
    const res = await upload(s().url, await syntheticJpeg(800, 600, 8));
    const { id, deleteToken } = (await res.json()) as { id: number; deleteToken: string };
    expect((await fetch(`${s().url}/tiles/${id}/32.webp`)).status).toBe(200);
    const del = await fetch(`${s().url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${deleteToken}` },
    });
    expect(del.status).toBe(204);
    expect((await fetch(`${s().url}/tiles/${id}/32.webp`)).status).toBe(404);
  });
});
