/**
 * Moves an embedded mosaic (SQLite + tile files) into PostgreSQL for the cluster mode, with
 * the same ids, cells, tints, seq and epoch, files included:
 *
 *   DATABASE_URL=postgres://… npm run migrate-to-postgres -- --data ./data
 *
 * The database must not hold a mosaic yet. Everything is written in one transaction, so an
 * interrupted move leaves the database as it was. Stop the embedded server first.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import cliProgress from 'cli-progress';
import type pg from 'pg';
import { createPool } from '../server/cluster/pgData.ts';
import { migrate } from '../server/cluster/schema.ts';
import { RGB32_SIZE } from '../server/cluster/TileImages.ts';
import type { RallySqlRow } from '../server/rallies/RallyStore.ts';
import { TileFiles } from '../server/store/tileFiles.ts';
import { TILE_SIZES } from '../shared/httpApi.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: './data' },
    database: { type: 'string' },
  },
});
const dataDir = resolve(values.data!);
const url = values.database ?? process.env.DATABASE_URL;
const fail = (m: string): never => {
  console.error(`migrate-to-postgres: ${m}`);
  process.exit(1);
};
if (!url) fail('say where to: DATABASE_URL=postgres://… or --database postgres://…');
if (!existsSync(join(dataDir, 'mosaic.db'))) fail(`${dataDir} holds no mosaic (no mosaic.db)`);

const db = new Database(join(dataDir, 'mosaic.db'), { readonly: true, fileMustExist: true });
const meta = Object.fromEntries(
  (db.prepare('SELECT key, value FROM meta').all() as { key: string; value: number }[]).map((r) => [
    r.key,
    r.value,
  ]),
);
if (!meta.cols) fail(`${dataDir}'s mosaic has never started (no geometry stored)`);
if (!meta.epoch) fail(`${dataDir}'s mosaic has no epoch yet: start it once with this version, then migrate`);
const files = new TileFiles(join(dataDir, 'tiles'));
const total = db.prepare('SELECT count(*) FROM tiles').pluck().get() as number;

const pool = createPool(url!, 2);
const client = await pool.connect();
const started = Date.now();
const bar =
  process.stdout.isTTY && total > 0
    ? new cliProgress.SingleBar(
        { format: 'tiles {bar} {value}/{total} | {eta_formatted} left' },
        cliProgress.Presets.shades_classic,
      )
    : null;
try {
  await migrate(pool);
  const existing = await client.query('SELECT count(*)::int AS n FROM mosaic');
  if (existing.rows[0].n) fail('the database already holds a mosaic; use an empty database');
  await client.query('BEGIN');
  await client.query('INSERT INTO mosaic (id, cols, rows, seq, epoch, term) VALUES (1, $1, $2, $3, $4, 0)', [
    meta.cols,
    meta.rows ?? meta.cols,
    meta.seq ?? 0,
    meta.epoch,
  ]);
  bar?.start(total, 0);
  let done = 0;
  let lastLine = Date.now();
  // A database written before uploads kept their key's hash has no such column.
  const keyHash = (db.prepare('PRAGMA table_info(tiles)').all() as { name: string }[]).some(
    (c) => c.name === 'key_hash',
  )
    ? 'key_hash'
    : 'NULL AS key_hash';
  const rows = db
    .prepare(
      `SELECT id, status, col, row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb, phash, ${keyHash} FROM tiles ORDER BY id`,
    )
    .iterate() as IterableIterator<Record<string, unknown>>;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const col = (k: string) => batch.map((r) => r[k]);
    await client.query(
      `INSERT INTO tiles (id, status, cell_col, cell_row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb, phash, key_hash)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::smallint[], $6::smallint[], $7::smallint[],
                            $8::text[], $9::bigint[], $10::text[], $11::bytea[], $12::int[], $13::text[], $14::text[])`,
      [
        'id',
        'status',
        'col',
        'row',
        'tint_r',
        'tint_g',
        'tint_b',
        'event',
        'created_at',
        'delete_hash',
        'features',
        'rgb',
        'phash',
        'key_hash',
      ].map(col),
    );
    const fid: number[] = [];
    const fsize: number[] = [];
    const fdata: Buffer[] = [];
    for (const r of batch) {
      const rgb32 = await files.readRgb32(r.id as number);
      for (const size of TILE_SIZES) {
        const stored = await files.read(r.id as number, size);
        // Tiles that keep their 32 px size as raw pixels only have no 32 px WebP to move.
        if (!stored && size === 32 && rgb32) continue;
        const data =
          stored ??
          fail(`tile ${r.id} has no ${size} px image in ${files.file(r.id as number)}; nothing was written`);
        fid.push(r.id as number);
        fsize.push(size);
        fdata.push(data);
      }
      if (rgb32) {
        fid.push(r.id as number);
        fsize.push(RGB32_SIZE);
        fdata.push(rgb32);
      }
    }
    await client.query(
      'INSERT INTO tile_files (id, size, data) SELECT * FROM unnest($1::bigint[], $2::int[], $3::bytea[])',
      [fid, fsize, fdata],
    );
    done += batch.length;
    batch = [];
    bar?.update(done);
    if (!bar && Date.now() - lastLine > 3000) {
      lastLine = Date.now();
      console.log(
        `migrate-to-postgres: ${done}/${total} tiles (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  };
  for (const r of rows) {
    batch.push(r);
    if (batch.length >= 500) await flush();
  }
  await flush();
  const nextId = Math.max(
    meta.next_id ?? 1,
    ((db.prepare('SELECT max(id) FROM tiles').pluck().get() as number | null) ?? 0) + 1,
  );
  await client.query(`SELECT setval('tile_ids', $1, false)`, [nextId]);
  const rallies = await moveRallies(db, client);
  // The bulk import's ledger comes along, so that importing the same files again skips them.
  const ledger = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'imports'`).get()
    ? (db.prepare('SELECT hash, tile_id, claimed_at FROM imports WHERE tile_id IS NOT NULL').all() as {
        hash: string;
        tile_id: number;
        claimed_at: number;
      }[])
    : [];
  if (ledger.length)
    await client.query(
      `INSERT INTO import_hashes (hash, tile_id, claimed_at)
       SELECT h, t, to_timestamp(c / 1000.0) FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS u(h, t, c)`,
      [ledger.map((r) => r.hash), ledger.map((r) => r.tile_id), ledger.map((r) => r.claimed_at)],
    );
  await client.query('COMMIT');
  bar?.stop();
  console.log(
    `migrate-to-postgres: ${done} tiles, their files, ${rallies} rallies, seq ${meta.seq ?? 0} and epoch ${meta.epoch} (and ${ledger.length} imported files' hashes) moved in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (e) {
  bar?.stop();
  await client.query('ROLLBACK').catch(() => {});
  fail(`stopped, nothing was written: ${(e as Error).message}`);
} finally {
  client.release();
  await pool.end();
  db.close();
}

/** Copies the rally registry (absent from a mosaic made before it existed); returns how many. */
async function moveRallies(db: Database.Database, client: pg.PoolClient): Promise<number> {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rallies'").get();
  if (!has) return 0;
  const rows = db.prepare('SELECT * FROM rallies ORDER BY code').all() as RallySqlRow[];
  for (const r of rows) {
    await client.query(
      `INSERT INTO rallies (code, name, city, time_zone, day, language, moderation, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [r.code, r.name, r.city, r.time_zone, r.day, r.language, r.moderation, r.created_at],
    );
  }
  return rows.length;
}
