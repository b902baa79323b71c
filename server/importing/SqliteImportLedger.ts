import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Claim, type ImportLedger, STALE_CLAIM_MS } from './ImportLedger.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS imports (
  hash TEXT PRIMARY KEY,
  tile_id INTEGER,
  claimed_at INTEGER NOT NULL
);`;

/**
 * The import ledger of the embedded store: a table in DATA_DIR/mosaic.db (its own
 * connection; WAL lets it share the file), so that a backup of the database carries it.
 */
export class SqliteImportLedger implements ImportLedger {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(
    dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = new Database(join(dataDir, 'mosaic.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmts = {
      insert: this.db.prepare(
        'INSERT OR IGNORE INTO imports (hash, tile_id, claimed_at) VALUES (?, NULL, ?)',
      ),
      get: this.db.prepare('SELECT tile_id, claimed_at FROM imports WHERE hash = ?'),
      steal: this.db.prepare(
        'UPDATE imports SET claimed_at = ? WHERE hash = ? AND tile_id IS NULL AND claimed_at = ?',
      ),
      finish: this.db.prepare('UPDATE imports SET tile_id = ? WHERE hash = ?'),
      release: this.db.prepare('DELETE FROM imports WHERE hash = ? AND tile_id IS NULL'),
    };
  }

  async claim(hash: string): Promise<Claim> {
    const now = this.clock();
    if (this.stmts.insert.run(hash, now).changes) return { state: 'claimed' };
    const row = this.stmts.get.get(hash) as { tile_id: number | null; claimed_at: number } | undefined;
    if (!row) return this.claim(hash); // released meanwhile
    if (row.tile_id !== null) return { state: 'done', tileId: row.tile_id };
    if (now - row.claimed_at > STALE_CLAIM_MS && this.stmts.steal.run(now, hash, row.claimed_at).changes)
      return { state: 'claimed' };
    return { state: 'busy' };
  }

  async finish(hash: string, tileId: number): Promise<void> {
    this.stmts.finish.run(tileId, hash);
  }

  async release(hash: string): Promise<void> {
    this.stmts.release.run(hash);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
