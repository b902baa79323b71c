import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveCopy } from '../../server/cluster/LiveCopy.ts';
import { loadLive } from '../../server/cluster/loadLive.ts';
import { createPool } from '../../server/cluster/pgData.ts';
import { migrate } from '../../server/cluster/schema.ts';
import { createTestDatabase } from '../support/cluster.ts';

const TILES = 120_000;
const SIDE = 400;

describe('a node loads its live copy from PostgreSQL (binary COPY)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    await migrate(pool);
    // More tiles than one chunk, rallies with non-ASCII names, tiles that are not live, and
    // rows moved about by updates so that the table's order is not the ids' order.
    await pool.query(
      `INSERT INTO tiles (id, status, cell_col, cell_row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb)
       SELECT i, CASE WHEN i % 97 = 0 THEN 'pending' WHEN i % 89 = 0 THEN 'queued' ELSE 'live' END,
              CASE WHEN i % 97 = 0 OR i % 89 = 0 THEN -1 ELSE (i - 1) % ${SIDE} END,
              CASE WHEN i % 97 = 0 OR i % 89 = 0 THEN -1 ELSE (i - 1) / ${SIDE} END,
              (i % 41) - 20, (i % 37) - 18, -(i % 31),
              CASE i % 5 WHEN 1 THEN 'london-2026' WHEN 2 THEN 'zürich-été' ELSE NULL END,
              1760000000000 + i * 7, 'h', '\\x00', (i * 2654435761) % 16777216
       FROM generate_series(1, ${TILES}) AS i`,
    );
    await pool.query('UPDATE tiles SET tint_r = -tint_r WHERE id % 3 = 0');
    await pool.query(
      `INSERT INTO mosaic (id, cols, rows, seq, epoch) VALUES (1, ${SIDE}, ${SIDE}, ${TILES}, 77)`,
    );
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('holds every live tile as the rows say, and the grid from their cells', async () => {
    const copy = await LiveCopy.load((each) => loadLive(pool, each));
    const r = await pool.query(
      `SELECT id, cell_col, cell_row, tint_r, tint_g, tint_b, event, created_at, rgb FROM tiles
       WHERE status = 'live' AND cell_col >= 0 ORDER BY id`,
    );
    expect(copy.tileCount).toBe(r.rows.length);
    expect({ cols: copy.cols, rows: copy.rows, seq: copy.seq, epoch: copy.epoch }).toEqual({
      cols: SIDE,
      rows: SIDE,
      seq: TILES,
      epoch: 77,
    });
    const want = r.rows.map((x) => ({
      id: x.id,
      status: 'live',
      col: x.cell_col,
      row: x.cell_row,
      tint: { r: x.tint_r, g: x.tint_g, b: x.tint_b },
      event: x.event,
      createdAt: x.created_at,
      rgb: [(x.rgb >> 16) & 255, (x.rgb >> 8) & 255, x.rgb & 255],
      phash: null,
    }));
    const got = r.rows.map((x) => copy.get(x.id));
    // One deep comparison per tile takes seconds: compare as JSON, and show the first difference.
    const first = got.findIndex((g, i) => JSON.stringify(g) !== JSON.stringify(want[i]));
    if (first >= 0) expect(got[first]).toEqual(want[first]);
    expect(first).toBe(-1);
    expect(copy.get(97)).toBeUndefined();
    expect(copy.snapshotCells().count).toBe(r.rows.length);
    expect(copy.liveIn(0, 0, 1, 1).map((t) => t.id)).toEqual([1]);
  });
});
