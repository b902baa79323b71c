import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalSync } from '../store/walSync.ts';
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
 * Given the store's `durable` (the store's fsync of the same WAL), `finish` waits for that one:
 * its fsync is shared with the tiles' commits made meanwhile, and a failed one refuses the
 * store's commits as well as the ledger's. Without it, the ledger syncs the WAL on its own.
 */
export class SqliteImportLedger implements ImportLedger {
  private opened: { db: Database.Database; stmts: ReturnType<typeof prepare>; wal: WalSync | null } | null =
    null;

  constructor(
    private readonly dataDir: string,
    private readonly clock: () => number = Date.now,
    private readonly durable?: () => Promise<void>,
  ) {}

  /** Opened at the first import, so that a server that never imports never touches the table. */
  private get stmts(): ReturnType<typeof prepare> {
    if (!this.opened) {
      const db = new Database(join(this.dataDir, 'mosaic.db'));
      try {
        db.pragma('journal_mode = WAL');
        // NORMAL: no commit fsyncs on the main thread. A claim or a release needs no fsync: a claim
        // lost in a power cut is a photo not yet stored, which the next run imports. `finish`
        // waits for the WAL's fsync on the pool before the answer.
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        db.exec(SCHEMA);
        // One server owns the embedded store, and this one has claimed nothing yet: an unfinished
        // claim is left by a process that died mid-import. Its file is imported by the next try
        // (or found as the tile it became), not refused as busy for STALE_CLAIM_MS.
        db.prepare('DELETE FROM imports WHERE tile_id IS NULL').run();
        const wal = this.durable ? null : new WalSync(join(this.dataDir, 'mosaic.db-wal'));
        this.opened = { db, stmts: prepare(db), wal };
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
    this.stmts.finish.run(tileId, hash);
    // Durable before the answer: a lost finish would let a later run import the photo again.
    await (this.durable ? this.durable() : this.opened!.wal!.sync());
  }

  async release(hash: string): Promise<void> {
    this.stmts.release.run(hash);
  }

  async close(): Promise<void> {
    if (this.opened?.db.open) this.opened.db.close();
    await this.opened?.wal?.close();
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare('INSERT OR IGNORE INTO imports (hash, tile_id, claimed_at) VALUES (?, NULL, ?)'),
    get: db.prepare('SELECT tile_id, claimed_at FROM imports WHERE hash = ?'),
    steal: db.prepare(
      'UPDATE imports SET claimed_at = ? WHERE hash = ? AND tile_id IS NULL AND claimed_at = ?',
    ),
    finish: db.prepare('UPDATE imports SET tile_id = ? WHERE hash = ?'),
    release: db.prepare('DELETE FROM imports WHERE hash = ? AND tile_id IS NULL'),
  };
}
