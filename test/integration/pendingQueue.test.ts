/**
 * The review queue as a cluster node reads it from PostgreSQL: one statement gives the length,
 * the oldest time, the mark (the same value the embedded store computes in JS) and only the
 * page asked for; one tile is looked up by its id, not by listing the queue.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, pendingQueue, pendingTile } from '../../server/cluster/pgData.ts';
import { migrate } from '../../server/cluster/schema.ts';
import { queueMark } from '../../shared/rallies.ts';
import { createTestDatabase } from '../support/cluster.ts';

describe('the review queue read from PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  /** A row of `tiles` as the store writes one (only the columns the queue reads matter). */
  const insert = (id: number, status: string, createdAt: number, event: string | null = null) =>
    pool.query(
      `INSERT INTO tiles (id, status, event, created_at, delete_hash, features, rgb)
       VALUES ($1, $2, $3, $4, 'x', '\\x00', $5)`,
      [id, status, event, createdAt, 0x336699],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 2);
    await migrate(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('an empty queue has no oldest time and the mark of no ids', async () => {
    expect(await pendingQueue(pool, 10)).toEqual({
      length: 0,
      oldestCreatedAt: null,
      mark: queueMark([]),
      tiles: [],
    });
  });

  it('gives the length, oldest time and mark of the whole queue, and only the oldest page', async () => {
    // Ids across the range a bigint sequence can reach, past 2^31 and 2^32 included.
    const ids = [3, 7, 65_535, 65_536, 1_000_003, 2 ** 31 - 1, 2 ** 31 + 5, 2 ** 32 + 9, 2 ** 40 + 1];
    for (const [i, id] of ids.entries()) await insert(id, 'pending', 1_000_000 + (i % 3) * 10 - i, 'berlin');
    // Neither a live tile nor one waiting for a placer is in the queue.
    await insert(4, 'live', 1);
    await insert(5, 'queued', 2);
    const q = await pendingQueue(pool, 4);
    expect(q.length).toBe(ids.length);
    expect(q.oldestCreatedAt).toBe(Math.min(...ids.map((_, i) => 1_000_000 + (i % 3) * 10 - i)));
    expect(q.mark).toBe(queueMark(ids));
    expect(q.tiles.map((t) => t.id)).toEqual(ids.slice(0, 4));
    expect(q.tiles[0]).toMatchObject({ status: 'pending', event: 'berlin', rgb: [0x33, 0x66, 0x99] });
    // A page of none still counts the whole queue.
    expect(await pendingQueue(pool, 0)).toMatchObject({ length: ids.length, mark: q.mark, tiles: [] });
  });

  it('moves its mark when a tile joins or leaves, and back when the set is the same again', async () => {
    const before = await pendingQueue(pool, 0);
    await insert(11, 'pending', 5);
    const joined = await pendingQueue(pool, 0);
    expect(joined.mark).not.toBe(before.mark);
    await pool.query('DELETE FROM tiles WHERE id = 3');
    const swapped = await pendingQueue(pool, 0);
    // As many left as joined: the length is the same, the mark is not.
    expect(swapped.length).toBe(before.length);
    expect(swapped.mark).not.toBe(before.mark);
    expect(swapped.mark).not.toBe(joined.mark);
    await insert(3, 'pending', 1_000_000);
    await pool.query('DELETE FROM tiles WHERE id = 11');
    expect((await pendingQueue(pool, 0)).mark).toBe(before.mark);
  });

  it('looks one waiting tile up by its id', async () => {
    expect(await pendingTile(pool, 7)).toMatchObject({ id: 7, status: 'pending', event: 'berlin' });
    expect(await pendingTile(pool, 4)).toBeUndefined();
    expect(await pendingTile(pool, 5)).toBeUndefined();
    expect(await pendingTile(pool, 999)).toBeUndefined();
  });
});
