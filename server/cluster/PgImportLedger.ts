import type pg from 'pg';
import { type Claim, type ImportLedger, STALE_CLAIM_MS } from '../importing/ImportLedger.ts';
import { fromStore, storeError } from './pgErrors.ts';

/**
 * The import ledger of a cluster: the `import_hashes` table, shared by every node. Each claim
 * names the process that made it: its session's `application_name` as PostgreSQL holds it (each
 * node's pool sets one unique per start), so that a claim of a node that died (no session of that
 * name left) is taken over at once rather than after STALE_CLAIM_MS. A pool without a name makes
 * claims that wait for STALE_CLAIM_MS, as before.
 */
export class PgImportLedger implements ImportLedger {
  constructor(private readonly pool: pg.Pool) {}

  async claim(hash: string): Promise<Claim> {
    try {
      // One statement: a new row, or a stale or dead claim taken over; otherwise the row as it is.
      const r = await this.pool.query<{ tile_id: string | null; claimed: boolean }>(
        `WITH ins AS (
           INSERT INTO import_hashes (hash, claimed_by) VALUES ($1, NULLIF(current_setting('application_name'), ''))
           ON CONFLICT (hash) DO UPDATE SET claimed_at = now(), claimed_by = EXCLUDED.claimed_by
             WHERE import_hashes.tile_id IS NULL
               AND (import_hashes.claimed_at < now() - make_interval(secs => $2::float8 / 1000)
                 OR import_hashes.claimed_by IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                                    WHERE a.application_name = import_hashes.claimed_by))
           RETURNING tile_id, true AS claimed
         )
         SELECT tile_id, claimed FROM ins
         UNION ALL
         SELECT tile_id, false FROM import_hashes WHERE hash = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
        [hash, STALE_CLAIM_MS],
      );
      const row = r.rows[0];
      if (!row || row.claimed) return { state: 'claimed' };
      return row.tile_id === null ? { state: 'busy' } : { state: 'done', tileId: Number(row.tile_id) };
    } catch (e) {
      throw storeError(e);
    }
  }

  async finish(hash: string, tileId: number): Promise<void> {
    await fromStore(this.pool.query('UPDATE import_hashes SET tile_id = $2 WHERE hash = $1', [hash, tileId]));
  }

  async release(hash: string): Promise<void> {
    await fromStore(this.pool.query('DELETE FROM import_hashes WHERE hash = $1 AND tile_id IS NULL', [hash]));
  }

  async close(): Promise<void> {}
}
