import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TileFiles } from '../../server/store/tileFiles.ts';
import type { UploadAnswer } from '../../shared/httpApi.ts';
import { listFiles, upload } from '../support/server.ts';
import { ADMIN, json, PHOTOS, pixels, serverCell, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

/** Whether any file under `dir` contains `needle`. */
function onDisk(dir: string, needle: Buffer): string[] {
  return listFiles(dir).filter((f) => readFileSync(join(dir, f)).includes(needle));
}

describe("a contributor's delete token", () => {
  it('removes the tile from the store, the disk, the atlas, the export, every screen and every URL', async () => {
    const s = await start({ DUPLICATE_CHECK: '1' });
    const url = s.url;
    const atlas = `${url}/api/atlas/0/0.webp`;
    const exportPng = `${url}/api/mosaic/export.png?width=256`;
    // What an empty mosaic looks like, to compare with after the delete.
    const emptyAtlas = await pixels(await fetch(atlas));
    const emptyExport = await pixels(await fetch(exportPng));

    const screen = await viewer(url, { event: 'london' });
    const other = await viewer(url);
    const res = await upload(url, PHOTOS[0]!, { event: 'london' });
    expect(res.status).toBe(201);
    const tile = (await res.json()) as UploadAnswer;
    await Promise.all([screen.reach(tile.seq), other.reach(tile.seq)]);
    expect(screen.mosaic.cellOfTile(tile.id)).toBe(serverCell(s, tile.id));
    expect(other.mosaic.cellOfTile(tile.id)).toBe(serverCell(s, tile.id));

    // Every place the tile is, before: so that each check below can fail.
    const urls = [
      `${url}/api/tiles/${tile.id}`,
      ...[32, 128, 512].map((size) => `${url}/tiles/${tile.id}/${size}.webp`),
    ];
    const adminUrls = [32, 128, 512].map((size) => `${url}/api/admin/tiles/${tile.id}/${size}.webp`);
    const bytes: Buffer[] = [];
    for (const u of urls) expect((await fetch(u)).status, u).toBe(200);
    for (const u of adminUrls) {
      const r = await fetch(u, { headers: ADMIN });
      expect(r.status, u).toBe(200);
      bytes.push(Buffer.from(await r.arrayBuffer()));
    }
    // The 128 and 512 px WebPs as stored; the 32 px size is stored as raw pixels only (its WebP
    // is encoded per request), so those stand for it.
    const fingerprints = bytes.slice(1).map((b) => b.subarray(b.length - 64));
    const raw32 = await new TileFiles(join(s.dataDir, 'tiles')).readRgb32(tile.id);
    expect(raw32?.length).toBe(32 * 32 * 3);
    fingerprints.push(raw32!.subarray(1536, 1600));
    // What its row holds that could tie a copy of the photo, or the token, to it.
    const phash = s.app.service.get(tile.id)!.phash!;
    const tokenHash = createHash('sha256').update(tile.deleteToken).digest('hex');
    const rowBytes = [Buffer.from(phash), Buffer.from(tokenHash)];
    for (const b of rowBytes) expect(onDisk(s.dataDir, b).length).toBeGreaterThan(0);
    for (const f of fingerprints) expect(onDisk(s.dataDir, f)).toHaveLength(1);
    const db = () => new Database(join(s.dataDir, 'mosaic.db'), { readonly: true });
    const count = () => {
      const d = db();
      try {
        return (d.prepare('SELECT COUNT(*) FROM tiles WHERE id = ?').pluck().get(tile.id) as number) ?? 0;
      } finally {
        d.close();
      }
    };
    expect(count()).toBe(1);
    const atlasWith = await pixels(await fetch(atlas));
    const exportWith = await pixels(await fetch(exportPng));
    expect(atlasWith.equals(emptyAtlas)).toBe(false);
    expect(exportWith.equals(emptyExport)).toBe(false);
    expect(s.app.service.placements().map((p) => p.id)).toEqual([tile.id]);

    const del = await fetch(`${url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(del.status).toBe(204);

    // Every connected screen, the rally's and the plain viewer, got the removal.
    await Promise.all([screen.reach(s.app.service.seq), other.reach(s.app.service.seq)]);
    for (const v of [screen, other]) {
      expect(v.mosaic.cellOfTile(tile.id)).toBeUndefined();
      expect(v.mosaic.size).toBe(0);
      expect(v.problems).toEqual([]);
    }
    // The store: no row (asked of SQLite itself), no tile in the service.
    expect(count()).toBe(0);
    expect(s.app.service.get(tile.id)).toBeUndefined();
    expect(s.app.service.placements()).toEqual([]);
    // The disk: no folder, and no file anywhere in the data dir (the database and its WAL
    // included) holds any of its image bytes or its row's hash and token hash.
    expect(listFiles(s.dataDir).filter((f) => f.includes(join('tiles', '0', String(tile.id))))).toEqual([]);
    for (const f of [...fingerprints, ...rowBytes]) expect(onDisk(s.dataDir, f)).toEqual([]);
    // No URL gives any of it: public, admin, atlas (plain and versioned) and export.
    for (const u of urls) expect((await fetch(u)).status, u).toBe(404);
    for (const u of adminUrls) expect((await fetch(u, { headers: ADMIN })).status, u).toBe(404);
    expect((await pixels(await fetch(atlas))).equals(emptyAtlas)).toBe(true);
    expect((await pixels(await fetch(`${atlas}?v=${s.app.service.seq}`))).equals(emptyAtlas)).toBe(true);
    expect((await pixels(await fetch(exportPng))).equals(emptyExport)).toBe(true);
    const info = await json(await fetch(`${url}/api/mosaic`));
    expect(info.tileCount).toBe(0);
  });

  it('bounds how long other caches may keep a tile image (IMAGE_CACHE_SECONDS), as a delete cannot reach them', async () => {
    for (const [seconds, expected] of [
      ['600', 'public, max-age=600, immutable'],
      ['0', 'no-cache'],
    ] as const) {
      const s = await start({ IMAGE_CACHE_SECONDS: seconds });
      const tile = await json(await upload(s.url, PHOTOS[1]!));
      for (const u of [`/tiles/${tile.id}/128.webp`, `/api/atlas/0/0.webp?v=${s.app.service.seq}`]) {
        const r = await fetch(s.url + u);
        expect(r.status, u).toBe(200);
        expect(r.headers.get('cache-control'), u).toBe(expected);
      }
      // The plain atlas URL always revalidates.
      expect((await fetch(`${s.url}/api/atlas/0/0.webp`)).headers.get('cache-control')).toBe('no-cache');
    }
    const bad = await start({ IMAGE_CACHE_SECONDS: '-1' }).catch((e: Error) => e);
    expect(String(bad)).toMatch(/IMAGE_CACHE_SECONDS/);
  });

  it('GET /api/tiles/:id shows nothing identifying', async () => {
    const s = await start();
    const tile = await json(await upload(s.url, PHOTOS[2]!, { event: 'london' }));
    const body = await json(await fetch(`${s.url}/api/tiles/${tile.id}`));
    expect(Object.keys(body).sort()).toEqual(['col', 'createdAt', 'event', 'id', 'row']);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|phash|delete|token/i);
  });
});
