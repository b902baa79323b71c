import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TileFiles } from '../../server/store/tileFiles.ts';
import { TILE_SIZES } from '../../shared/httpApi.ts';
import { syntheticJpeg } from '../support/images.ts';
import {
  listFiles,
  removeDir,
  startServer,
  type TestServer,
  tempDataDir,
  upload,
} from '../support/server.ts';
import { toOldLayout } from '../support/tileLayout.ts';

describe('delete and restart', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.destroy().catch(() => {});
  });

  it('DELETE with the token removes the row and every file and frees the cell', async () => {
    const s = await startServer();
    servers.push(s);
    const res = await upload(s.url, await syntheticJpeg(800, 600, 3));
    const tile = await res.json();
    expect(res.status).toBe(201);
    const file = join('tiles', '0', `${tile.id}.tile`);
    expect(listFiles(s.dataDir).filter((f) => f.startsWith(join('tiles', '0', String(tile.id))))).toEqual([
      file,
    ]);

    const none = await fetch(`${s.url}/api/tiles/${tile.id}`, { method: 'DELETE' });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${s.url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${'x'.repeat(32)}` },
    });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.code).toBe('FORBIDDEN');

    const ok = await fetch(`${s.url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(ok.status).toBe(204);
    expect((await fetch(`${s.url}/api/tiles/${tile.id}`)).status).toBe(404);
    for (const size of [32, 128, 512])
      expect((await fetch(`${s.url}/tiles/${tile.id}/${size}.webp`)).status).toBe(404);
    expect(existsSync(join(s.dataDir, file))).toBe(false);
    const info = await (await fetch(`${s.url}/api/mosaic`)).json();
    expect(info.tileCount).toBe(0);
    expect(info.seq).toBe(tile.seq + 1);
    expect(s.app.service.placements().some((p) => p.col === tile.col && p.row === tile.row)).toBe(false);
    const again = await fetch(`${s.url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(again.status).toBe(404);
  });

  it('a restart keeps every tile at its cell, the sequence and the files', async () => {
    const dataDir = tempDataDir();
    const a = await startServer({}, dataDir);
    const tiles = [];
    for (let i = 0; i < 6; i++)
      tiles.push(await (await upload(a.url, await syntheticJpeg(640, 480, i + 10))).json());
    const del = tiles.pop();
    await fetch(`${a.url}/api/tiles/${del.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${del.deleteToken}` },
    });
    const before = await (await fetch(`${a.url}/api/mosaic`)).json();
    const placementsBefore = a.app.service.placements().sort((x, y) => x.id - y.id);
    const epoch = a.app.service.epoch;
    expect(epoch).toBeGreaterThan(0);
    await a.close();

    const b = await startServer({}, dataDir);
    servers.push(b);
    const after = await (await fetch(`${b.url}/api/mosaic`)).json();
    expect(after).toEqual(before);
    // The same mosaic, so the same epoch: viewers' since values stay good across the restart.
    expect(b.app.service.epoch).toBe(epoch);
    expect(b.app.service.placements().sort((x, y) => x.id - y.id)).toEqual(placementsBefore);
    for (const t of tiles) {
      const rec = await (await fetch(`${b.url}/api/tiles/${t.id}`)).json();
      expect([rec.col, rec.row]).toEqual([
        placementsBefore.find((p) => p.id === t.id)!.col,
        placementsBefore.find((p) => p.id === t.id)!.row,
      ]);
      expect((await fetch(`${b.url}/tiles/${t.id}/128.webp`)).status).toBe(200);
    }
    // The deleted tile's id is never handed out again.
    const next = await (await upload(b.url, await syntheticJpeg(640, 480, 99))).json();
    expect(next.id).toBeGreaterThan(del.id);
    expect(next.seq).toBe(before.seq + 1);
    removeDir(dataDir);
  });

  it('serves a data folder of the old layout (a folder per tile) and rewrites it as a file per tile at start', async () => {
    const dataDir = tempDataDir();
    const a = await startServer({}, dataDir);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await (await upload(a.url, await syntheticJpeg(640, 480, i + 40))).json()).id);
    const images = new Map<string, Buffer>();
    for (const id of ids)
      for (const size of TILE_SIZES)
        images.set(
          `${id}/${size}`,
          Buffer.from(await (await fetch(`${a.url}/tiles/${id}/${size}.webp`)).arrayBuffer()),
        );
    await a.close();
    // Rewrite the folder as the old layout held it: tiles/<shard>/<id>/<size>.webp.
    const files = new TileFiles(join(dataDir, 'tiles'));
    for (const id of ids) await toOldLayout(files, id);
    expect(listFiles(join(dataDir, 'tiles')).filter((f) => f.endsWith('.tile'))).toEqual([]);

    const b = await startServer({}, dataDir);
    servers.push(b);
    expect(listFiles(join(dataDir, 'tiles')).sort()).toEqual(ids.map((id) => `0/${id}.tile`).sort());
    for (const id of ids)
      for (const size of TILE_SIZES) {
        const got = Buffer.from(await (await fetch(`${b.url}/tiles/${id}/${size}.webp`)).arrayBuffer());
        expect(got.equals(images.get(`${id}/${size}`)!), `${id}/${size}`).toBe(true);
      }
    removeDir(dataDir);
  });
});
