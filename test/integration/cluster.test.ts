import { Redis } from 'ioredis';
import type pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RGB32_SIZE } from '../../server/cluster/TileImages.ts';
import type { UploadAnswer } from '../../shared/httpApi.ts';
import { COLOUR_TILE, colourPyramidOf, tileVersion } from '../../shared/mosaic/colourPyramid.ts';
import { pyramidOf } from '../../shared/mosaic/pyramid.ts';
import { decodeViewStart } from '../../shared/viewStart.ts';
import {
  health,
  type NodeProcess,
  REDIS_TEST_URL,
  startTestCluster,
  type TestCluster,
  until,
} from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload, uploadWithKey } from '../support/server.ts';
import { Viewer } from './realtimeHarness.ts';

describe('cluster mode: three nodes on one PostgreSQL and one Redis', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[] = [];
  let sql: pg.Client;
  const viewers: Viewer[] = [];
  const photos: Buffer[] = [];

  beforeAll(async () => {
    // Every mosaic in pyramid mode, however small: the live colour pyramid is what viewers load.
    cluster = await startTestCluster(['a', 'b', 'c'], { VIEW_CELLS_MAX_TILES: '0' });
    ({ nodes, sql } = cluster);
    for (let i = 0; i < 8; i++) photos.push(await syntheticJpeg(640, 480, 100 + i));
  });

  afterAll(async () => {
    for (const v of viewers) v.close();
    await cluster?.close();
  });

  const a = () => nodes[0]!;
  const b = () => nodes[1]!;
  const c = () => nodes[2]!;

  it('elects exactly one placer; every node reports the same epoch', async () => {
    const roles = await until(async () => {
      const hs = await Promise.all(nodes.map((n) => health(n.url)));
      return hs.filter((h) => h.role === 'placer').length === 1 ? hs : undefined;
    }, 10_000);
    expect(roles.map((h) => h.node).sort()).toEqual(['a', 'b', 'c']);
    expect(roles.filter((h) => h.role === 'follower')).toHaveLength(2);
    expect(new Set(roles.map((h) => h.epoch)).size).toBe(1);
  });

  it('an upload on node A reaches a viewer on node C with the seq of its 201', async () => {
    const v = new Viewer(c().url);
    viewers.push(v);
    await v.connect();
    const r = await upload(a().url, photos[0]!, { event: 'london' });
    expect(r.status).toBe(201);
    const tile = (await r.json()) as { id: number; col: number; row: number; seq: number };
    await v.reachAtLeast(tile.seq);
    expect(v.mosaic.cellOfTile(tile.id)).toBe(tile.row * v.mosaic.cols + tile.col);
    expect(v.problems).toEqual([]);
    // Every node serves the tile: its record and its images.
    for (const n of nodes) {
      const rec = await (await fetch(`${n.url}/api/tiles/${tile.id}`)).json();
      expect(rec).toMatchObject({ id: tile.id, event: 'london' });
      const img = await fetch(`${n.url}/tiles/${tile.id}/128.webp`);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/webp');
    }
  });

  it('a viewer resumes on another node by since and epoch, with no gap and no duplicate', async () => {
    const v = new Viewer(c().url);
    viewers.push(v);
    await v.connect();
    v.disconnect();
    const acked: number[] = [];
    for (const [i, n] of [b(), a(), b()].entries()) {
      const r = await upload(n.url, photos[1 + i]!);
      expect(r.status).toBe(201);
      acked.push(((await r.json()) as { seq: number }).seq);
    }
    const again = await v.connect();
    expect(again.mode).toBe('replay');
    await v.reachAtLeast(Math.max(...acked));
    expect(v.problems).toEqual([]);
    const seqs = v.seqs;
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(seqs.at(-1)! - seqs[0]! + 1).toBe(seqs.length);
    // Every node's live copy ends at the same state.
    const hs = await until(async () => {
      const h = await Promise.all(nodes.map((n) => health(n.url)));
      return h.every((x) => x.seq === v.mosaic.seq) ? h : undefined;
    }, 5000);
    expect(hs.map((h) => h.seq)).toEqual([v.mosaic.seq, v.mosaic.seq, v.mosaic.seq]);
  });

  it('a delete on node B leaves no byte of the tile on any node', async () => {
    const watcher = new Viewer(a().url);
    viewers.push(watcher);
    await watcher.connect();
    const r = await upload(c().url, photos[5]!);
    const tile = (await r.json()) as UploadAnswer;
    await watcher.reachAtLeast(tile.seq);
    // Stored as its 128 and 512 px WebPs and its 32 px pixels as raw RGB (atlas blocks are drawn
    // from those): no 32 px WebP is stored.
    expect(
      (await sql.query('SELECT size FROM tile_files WHERE id = $1 ORDER BY size', [tile.id])).rows.map(
        (r) => r.size,
      ),
    ).toEqual([RGB32_SIZE, 128, 512]);
    // Every node serves the 32 px WebP, encoded from the raw pixels: the same picture.
    const raw32 = (
      await sql.query('SELECT data FROM tile_files WHERE id = $1 AND size = $2', [tile.id, RGB32_SIZE])
    ).rows[0].data as Buffer;
    for (const n of nodes) {
      const res = await fetch(`${n.url}/tiles/${tile.id}/32.webp`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/webp']);
      const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([32, 32, 3]);
      let diff = 0;
      for (let i = 0; i < data.length; i++) diff += Math.abs(data[i]! - raw32[i]!);
      expect(diff / data.length).toBeLessThan(6);
    }
    const block = `/api/atlas/${Math.floor(tile.col / 16)}/${Math.floor(tile.row / 16)}.webp?v=${tile.seq}`;
    const atlases = await Promise.all(
      nodes.map(async (n) => Buffer.from(await (await fetch(n.url + block)).arrayBuffer())),
    );
    for (const a of atlases) expect(a.equals(atlases[0]!)).toBe(true);
    const { data } = await sharp(atlases[0]!)
      .extract({ left: (tile.col % 16) * 32, top: (tile.row % 16) * 32, width: 32, height: 32 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[3 + 4 * (16 * 32 + 16)]).toBe(255);
    // Every node serves the same deep-zoom tile over the cell, through the same routes.
    const { cols, rows } = (await (await fetch(`${a().url}/api/mosaic`)).json()) as {
      cols: number;
      rows: number;
    };
    const deepTile = `${pyramidOf(cols, rows).maxLevel}/${tile.col * 2}_${tile.row * 2}.png`;
    const pyramidTile = async (url: string, v = '') => {
      await until(async () => (await health(url)).seq >= tile.seq, 5000);
      const res = await fetch(`${url}/api/mosaic/export_files/${deepTile}${v}`);
      return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const before = await Promise.all(nodes.map((n) => pyramidTile(n.url, `?v=${tile.seq}`)));
    for (const t of before) expect([t.status, t.bytes.equals(before[0]!.bytes)]).toEqual([200, true]);
    const del = await fetch(`${b().url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(del.status).toBe(204);
    await until(async () => watcher.mosaic.cellOfTile(tile.id) === undefined, 5000);
    for (const n of nodes) {
      await until(async () => (await health(n.url)).seq >= watcher.mosaic.seq, 5000);
      for (const size of [32, 128, 512])
        expect((await fetch(`${n.url}/tiles/${tile.id}/${size}.webp`)).status).toBe(404);
      expect((await fetch(`${n.url}/api/tiles/${tile.id}`)).status).toBe(404);
      expect((await pyramidTile(n.url, `?v=${tile.seq}`)).status).toBe(404);
      const now = await pyramidTile(n.url);
      expect([now.status, now.bytes.equals(before[0]!.bytes)]).toEqual([200, false]);
    }
    expect((await sql.query('SELECT count(*)::int AS n FROM tiles WHERE id = $1', [tile.id])).rows[0].n).toBe(
      0,
    );
    expect(
      (await sql.query('SELECT count(*)::int AS n FROM tile_files WHERE id = $1', [tile.id])).rows[0].n,
    ).toBe(0);
    // A second delete is a clear 404, on any node.
    const again = await fetch(`${a().url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(again.status).toBe(404);
  });

  it('every node serves the live colour pyramid from its own copy, and a delete on one node empties it on all', async () => {
    const r = await upload(a().url, photos[6]!);
    expect(r.status).toBe(201);
    const tile = (await r.json()) as UploadAnswer;
    const at = { level: 0, tx: Math.floor(tile.col / COLOUR_TILE), ty: Math.floor(tile.row / COLOUR_TILE) };
    const alphaAt = async (url: string, v: number) => {
      const res = await fetch(`${url}/api/mosaic/pyramid/0/${at.tx}_${at.ty}.webp?v=${v}`);
      if (res.status !== 200)
        return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
      const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return {
        status: 200,
        alpha: data[((tile.row % COLOUR_TILE) * COLOUR_TILE + (tile.col % COLOUR_TILE)) * 4 + 3],
      };
    };
    const viewOf = async (url: string) =>
      decodeViewStart(await (await fetch(`${url}/api/mosaic/view`)).arrayBuffer()).start;
    const versions = new Map<string, number>();
    for (const n of nodes) {
      // Asked for the seq another node answered, a node still behind waits for its copy to catch up.
      const start = await until(async () => {
        const v = await viewOf(n.url);
        return v.seq >= tile.seq ? v : undefined;
      }, 5000);
      expect(start).toMatchObject({ mode: 'pyramid', size: expect.any(Number) });
      const v = tileVersion(colourPyramidOf(start.cols, start.rows), start.versions!, at);
      expect(v).toBeGreaterThanOrEqual(tile.seq);
      versions.set(n.url, v);
      expect(await alphaAt(n.url, v)).toEqual({ status: 200, alpha: 255 });
    }
    const del = await fetch(`${b().url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(del.status).toBe(204);
    for (const n of nodes) {
      // The version from before the delete is refused on every node, and the current one is empty there.
      await until(
        async () => ((await alphaAt(n.url, versions.get(n.url)!)).status === 404 ? true : undefined),
        5000,
      );
      expect(await alphaAt(n.url, versions.get(n.url)!)).toEqual({ status: 404, code: 'STALE_VERSION' });
      const start = await viewOf(n.url);
      const v = tileVersion(colourPyramidOf(start.cols, start.rows), start.versions!, at);
      expect(await alphaAt(n.url, v)).toEqual({ status: 200, alpha: 0 });
    }
  });

  it('a retry with the same Idempotency-Key, after its kept answer expired, gets its tile and delete token back on another node', async () => {
    const key = 'cluster-late-retry-key-0001';
    const send = (url: string) => uploadWithKey(url, photos[7]!, key);
    const first = await send(a().url);
    expect(first.status).toBe(201);
    const tile = (await first.json()) as UploadAnswer;
    // Redis keeps an answer for 15 minutes: here it is gone at once.
    const redis = new Redis(REDIS_TEST_URL);
    try {
      const kept = await redis.keys(`${cluster.redisPrefix}idem*`);
      expect(kept.length).toBeGreaterThan(0);
      await redis.del(...kept);
    } finally {
      redis.disconnect();
    }
    await until(async () => ((await health(b().url)).seq >= tile.seq ? true : undefined), 5000);
    const stored = Number((await sql.query('SELECT count(*) FROM tiles')).rows[0].count);
    const again = await send(b().url);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toMatchObject({
      id: tile.id,
      col: tile.col,
      row: tile.row,
      deleteToken: tile.deleteToken,
    });
    expect(Number((await sql.query('SELECT count(*) FROM tiles')).rows[0].count)).toBe(stored);
    // Only a hash of the key is stored.
    const keyed = (await sql.query('SELECT key_hash FROM tiles WHERE id = $1', [tile.id])).rows[0].key_hash;
    expect(keyed).toMatch(/^[0-9a-f]{64}$/);
    expect(keyed).not.toContain(key);
  });

  it('keeps the change log in PostgreSQL: one row per seq, the epoch with each', async () => {
    const rows = (await sql.query('SELECT seq, epoch, type FROM changes ORDER BY seq')).rows as {
      seq: number;
      epoch: number;
    }[];
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const meta = (await sql.query('SELECT seq, epoch FROM mosaic')).rows[0];
    expect(rows.at(-1)!.seq).toBe(meta.seq);
    expect(new Set(rows.map((r) => r.epoch))).toEqual(new Set([meta.epoch]));
  });
});
