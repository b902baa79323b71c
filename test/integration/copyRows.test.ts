import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachCopyRow } from '../../server/cluster/copyRows.ts';
import { createPool } from '../../server/cluster/pgData.ts';
import { createTestDatabase } from '../support/cluster.ts';

describe('eachCopyRow: binary COPY rows from PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    // Rows of every length, NULLs among them, more than fit one message of the protocol.
    await pool.query(`CREATE TABLE t AS
      SELECT i::int4 AS id, (i % 300 - 150)::int2 AS small,
             CASE WHEN i % 7 = 0 THEN NULL ELSE decode(repeat(lpad(to_hex(i % 256), 2, '0'), i % 200), 'hex') END AS blob
      FROM generate_series(1, 20000) AS i`);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('hands every row with its fields as a SELECT reads them', async () => {
    const want = (await pool.query('SELECT id, small, blob FROM t ORDER BY id')).rows as {
      id: number;
      small: number;
      blob: Buffer | null;
    }[];
    const got: { id: number; small: number; blob: Buffer | null }[] = [];
    const c = await pool.connect();
    try {
      await eachCopyRow(c, 'SELECT id, small, blob FROM t ORDER BY id', 3, (b, at, len) => {
        got.push({
          id: b.readInt32BE(at[0]!),
          small: b.readInt16BE(at[1]!),
          blob: len[2]! < 0 ? null : Buffer.from(b.subarray(at[2]!, at[2]! + len[2]!)),
        });
      });
      // The connection is usable afterwards.
      expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      c.release();
    }
    expect(got).toHaveLength(20000);
    expect(got).toEqual(want);
  });

  it('refuses rows of another width', async () => {
    const c = await pool.connect();
    try {
      await expect(eachCopyRow(c, 'SELECT id, small FROM t', 3, () => {})).rejects.toThrow(
        /2 fields, want 3/,
      );
      expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      c.release();
    }
  });
});
