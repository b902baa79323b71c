/**
 * A cluster node stalled inside a transaction (GC, SIGSTOP) past the pool's
 * idle-in-transaction timeout has its session ended by PostgreSQL. The node must live on:
 * the ended client's next query fails, and the pool serves new ones.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../server/cluster/pgData.ts';
import { createTestDatabase } from '../support/cluster.ts';

describe('the cluster pool when the server ends a checked-out session', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 2);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('turns the end of a session idle in a transaction into a failed query, not a crash', async () => {
    const unhandled: unknown[] = [];
    const onUncaught = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const c = await pool.connect();
      await c.query('BEGIN');
      await c.query('SET LOCAL idle_in_transaction_session_timeout = 200');
      await c.query('SELECT 1');
      // Idle in the transaction, between two queries, as a stalled placer is.
      await new Promise((r) => setTimeout(r, 800));
      await expect(c.query('SELECT 1')).rejects.toThrow();
      c.release(true);
      expect(unhandled).toEqual([]);
      expect((await pool.query('SELECT 2 AS n')).rows[0].n).toBe(2);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
