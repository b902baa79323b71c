import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { RGB32_SIZE } from '../../server/cluster/TileImages.ts';
import { TileFiles } from '../../server/store/tileFiles.ts';
import { createTestDatabase, health, REDIS_TEST_URL, redisPrefix, spawnNode } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { LONDON } from '../support/rallies.ts';
import { removeDir, startServer, tempDataDir, upload, uploadWithKey } from '../support/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run migrate-to-postgres', () => {
  const dataDir = tempDataDir();
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const f of cleanups.reverse()) await f().catch(() => {});
    removeDir(dataDir);
  });

  it('moves an embedded mosaic into PostgreSQL with identical placements, seq, epoch and files; a cluster node serves it and continues at seq + 1', async () => {
    // An embedded mosaic that grew once, with a rally, a deletion and a tile waiting for review.
    const s = await startServer(
      { MOSAIC_COLS: '3', MOSAIC_ROWS: '3', ADMIN_TOKEN: 'migrate-admin-token-0001' },
      dataDir,
    );
    const tokens: string[] = [];
    // One upload carries an Idempotency-Key: its hash moves, and a late retry finds the tile on the cluster.
    const key = 'migrated-upload-key-000001';
    const keyedPhoto = await syntheticJpeg(400, 300, 42);
    for (let i = 0; i < 11; i++) {
      const r =
        i === 2
          ? await uploadWithKey(s.url, keyedPhoto, key)
          : await upload(s.url, await syntheticJpeg(400, 300, 40 + i), i % 3 ? {} : { event: 'london' });
      expect(r.status).toBe(201);
      tokens.push(((await r.json()) as { deleteToken: string }).deleteToken);
    }
    // One more through the bulk import: its ledger row moves too.
    const form = new FormData();
    form.set('photo', new Blob([new Uint8Array(await syntheticJpeg(400, 300, 60))]), 'p.jpg');
    const imported = await fetch(`${s.url}/api/admin/import`, {
      method: 'POST',
      body: form,
      headers: { authorization: 'Bearer migrate-admin-token-0001' },
    });
    expect(imported.status).toBe(201);
    const importedId = ((await imported.json()) as { id: number }).id;
    expect(
      (
        await fetch(`${s.url}/api/tiles/2`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${tokens[1]}` },
        })
      ).status,
    ).toBe(204);
    await s.app.service.hide(5);
    const rally = { ...LONDON, moderation: 'pre' };
    const made = await fetch(`${s.url}/api/admin/rallies`, {
      method: 'POST',
      headers: { authorization: 'Bearer migrate-admin-token-0001', 'content-type': 'application/json' },
      body: JSON.stringify(rally),
    });
    expect(made.status).toBe(201);
    const before = (await (await fetch(`${s.url}/api/mosaic`)).json()) as {
      cols: number;
      rows: number;
      seq: number;
      tileCount: number;
    };
    const epoch = s.app.service.epoch;
    await s.close();

    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/migrateToPostgres.ts', '--data', dataDir],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url },
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /11 tiles, their files, 1 rallies, seq \d+ and epoch \d+ \(and 1 imported files' hashes\) moved/,
    );

    const lite = new Database(join(dataDir, 'mosaic.db'), { readonly: true });
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    cleanups.push(() => sql.end());
    const hashes = await sql.query('SELECT tile_id FROM import_hashes');
    expect(hashes.rows.map((r) => Number(r.tile_id))).toEqual([importedId]);
    const m = (await sql.query('SELECT cols, rows, seq, epoch FROM mosaic')).rows[0];
    expect(m).toEqual({ cols: before.cols, rows: before.rows, seq: before.seq, epoch });
    const want = lite
      .prepare(
        'SELECT id, status, col, row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb, phash, key_hash FROM tiles ORDER BY id',
      )
      .all() as Record<string, unknown>[];
    const got = (
      await sql.query(
        `SELECT id, status, cell_col AS col, cell_row AS row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb, phash, key_hash FROM tiles ORDER BY id`,
      )
    ).rows;
    expect(got).toEqual(want);
    // The keyed upload's and the imported file's: each finds its tile again after the move.
    expect(want.filter((r) => r.key_hash !== null).map((r) => r.id)).toEqual([3, importedId]);
    expect(want.map((r) => r.status)).toContain('pending');
    const files = new TileFiles(join(dataDir, 'tiles'));
    const stored = (await sql.query('SELECT id, size, data FROM tile_files ORDER BY id, size')).rows;
    // Each tile's 128 and 512 px WebPs and its raw 32 px pixels (size 0), byte for byte: tiles
    // keep no 32 px WebP, which is encoded from the raw pixels when asked for.
    expect(stored).toHaveLength(want.length * 3);
    expect(stored.some((f) => f.size === 32)).toBe(false);
    for (const f of stored) {
      const source = f.size === RGB32_SIZE ? await files.readRgb32(f.id) : await files.read(f.id, f.size);
      expect(Buffer.compare(f.data, source!)).toBe(0);
    }
    lite.close();

    // A cluster node on the moved mosaic serves the same mosaic and carries on.
    const redis = redisPrefix();
    cleanups.push(() => redis.clean());
    const node = await spawnNode('m', {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: redis.prefix,
    });
    cleanups.push(() => node.stop());
    const after = (await (await fetch(`${node.url}/api/mosaic`)).json()) as typeof before;
    expect({ cols: after.cols, rows: after.rows, seq: after.seq, tileCount: after.tileCount }).toEqual({
      cols: before.cols,
      rows: before.rows,
      seq: before.seq,
      tileCount: before.tileCount,
    });
    expect((await health(node.url)).epoch).toBe(epoch);
    const img = await fetch(`${node.url}/tiles/1/128.webp`);
    expect(Buffer.compare(Buffer.from(await img.arrayBuffer()), (await files.read(1, 128))!)).toBe(0);
    const late = await uploadWithKey(node.url, keyedPhoto, key);
    expect(late.status).toBe(201);
    expect(await late.json()).toMatchObject({ id: 3, deleteToken: tokens[2] });
    const r = await upload(node.url, await syntheticJpeg(400, 300, 77));
    expect(r.status).toBe(201);
    const t = (await r.json()) as { id: number; seq: number };
    expect(t.seq).toBe(before.seq + 1);
    expect(t.id).toBe(importedId + 1);
    // The rally registry came along, its own moderation included.
    const held = await upload(node.url, await syntheticJpeg(400, 300, 78), { event: 'london' });
    expect(held.status).toBe(202);
  });
});
