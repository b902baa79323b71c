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
  private opened: { db: Database.Database; stmts: ReturnType<typeof prepare> } | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Opened at the first import, so that a server that never imports never touches the table. */
  private get stmts(): ReturnType<typeof prepare> {
    if (!this.opened) {
      const db = new Database(join(this.dataDir, 'mosaic.db'));
      try {
        db.pragma('journal_mode = WAL');
        // NORMAL: a claim or a release is not fsync'd on its own (one fsync less on the main
        // thread per photo). It needs none: the store's commit of the tile, with synchronous=FULL,
        // fsyncs the shared WAL and every frame before it, the claim included; a claim lost in a
        // power cut is a photo not yet stored, which the next run imports. `finish` syncs itself.
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        db.exec(SCHEMA);
        this.opened = { db, stmts: prepare(db) };
      } catch (e) {
        // A full disk can refuse the table: no connection is left open, the next import tries again.
        db.close();
        throw e;
      }
    }
    return this.opened.stmts;
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
    const { finish, db } = this.stmts;
    // Durable before the answer: a lost finish would let a later run import the photo again.
    db.pragma('synchronous = FULL');
    try {
      finish.run(tileId, hash);
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  }

  async release(hash: string): Promise<void> {
    this.stmts.release.run(hash);
  }

  async close(): Promise<void> {
    if (this.opened?.db.open) this.opened.db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    db,
    insert: db.prepare('INSERT OR IGNORE INTO imports (hash, tile_id, claimed_at) VALUES (?, NULL, ?)'),
    get: db.prepare('SELECT tile_id, claimed_at FROM imports WHERE hash = ?'),
    steal: db.prepare(
      'UPDATE imports SET claimed_at = ? WHERE hash = ? AND tile_id IS NULL AND claimed_at = ?',
    ),
    finish: db.prepare('UPDATE imports SET tile_id = ? WHERE hash = ?'),
    release: db.prepare('DELETE FROM imports WHERE hash = ? AND tile_id IS NULL'),
  };
}
