import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RallyInput } from '../../shared/rallies.ts';
import { fromSql, type RallyRow, type RallySqlRow, type RallyStore, toSql } from './RallyStore.ts';

/**
 * The registry in DATA_DIR/mosaic.db, on its own connection (WAL allows it), so that a
 * backup of the database file takes the rallies with the tiles.
 */
export class SqliteRallies implements RallyStore {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    this.db = new Database(join(dataDir, 'mosaic.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS rallies (
      code TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, time_zone TEXT NOT NULL,
      day TEXT NOT NULL, language TEXT NOT NULL, moderation TEXT, created_at INTEGER NOT NULL)`);
  }

  async list(): Promise<RallyRow[]> {
    const rows = this.db.prepare('SELECT * FROM rallies ORDER BY code').all() as RallySqlRow[];
    return rows.map(fromSql);
  }

  async create(r: RallyRow): Promise<boolean> {
    const res = this.db
      .prepare(
        `INSERT OR IGNORE INTO rallies (code, name, city, time_zone, day, language, moderation, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(...toSql(r), r.createdAt);
    return res.changes === 1;
  }

  async update(r: RallyInput): Promise<boolean> {
    const [code, ...rest] = toSql(r);
    const res = this.db
      .prepare(
        'UPDATE rallies SET name = ?, city = ?, time_zone = ?, day = ?, language = ?, moderation = ? WHERE code = ?',
      )
      .run(...rest, code);
    return res.changes === 1;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
