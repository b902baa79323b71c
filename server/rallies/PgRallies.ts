import type pg from 'pg';
import type { RallyInput } from '../../shared/rallies.ts';
import { fromSql, type RallyRow, type RallySqlRow, type RallyStore, toSql } from './RallyStore.ts';

/** The registry in the cluster's PostgreSQL (table `rallies`, migration 2 of server/cluster/schema.ts). */
export class PgRallies implements RallyStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<RallyRow[]> {
    const res = await this.pool.query<RallySqlRow>('SELECT * FROM rallies ORDER BY code');
    return res.rows.map(fromSql);
  }

  async create(r: RallyRow): Promise<boolean> {
    const res = await this.pool.query(
      `INSERT INTO rallies (code, name, city, time_zone, day, language, moderation, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING`,
      [...toSql(r), r.createdAt],
    );
    return res.rowCount === 1;
  }

  async update(r: RallyInput): Promise<boolean> {
    const res = await this.pool.query(
      `UPDATE rallies SET name = $2, city = $3, time_zone = $4, day = $5, language = $6, moderation = $7
       WHERE code = $1`,
      toSql(r),
    );
    return res.rowCount === 1;
  }

  async close(): Promise<void> {
    // The pool belongs to the cluster node.
  }
}
