import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TileSize } from '../../shared/httpApi.ts';
import { FEATURE_LEN } from '../../shared/mosaic/types.ts';
import { packRgb, unpackRgb } from '../../shared/protocolChanges.ts';
import { placementsOf } from './applyChanges.ts';
import { replay } from './imageReplay.ts';
import {
  type ImageColumns,
  type ImageInfo,
  imageTiles,
  readImage,
  scrubEntries,
  shredImages,
  writeImage,
} from './startupImage.ts';
import { TileFiles } from './tileFiles.ts';
import type { Commit, LoadedTile, MosaicMeta, TileRow, TileStore } from './types.ts';
import { WalSync } from './walSync.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tiles (
  id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  col INTEGER NOT NULL,
  row INTEGER NOT NULL,
  tint_r INTEGER NOT NULL, tint_g INTEGER NOT NULL, tint_b INTEGER NOT NULL,
  event TEXT,
  created_at INTEGER NOT NULL,
  delete_hash TEXT NOT NULL,
  features BLOB NOT NULL,
  rgb INTEGER NOT NULL,
  phash TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS gone (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);
`;
// Each row write records the commit count it was written in (v), and each delete leaves its id
// in `gone`, so that start-up can bring a start-up image up to date (imageReplay.ts).
const SCHEMA_V = 'ALTER TABLE tiles ADD COLUMN v INTEGER NOT NULL DEFAULT 0';
const INDEX_V = 'CREATE INDEX IF NOT EXISTS tiles_by_v ON tiles (v)';
// The hash of an upload's Idempotency-Key, so that a late retry finds its tile (only keyed rows are indexed).
const SCHEMA_KEY = 'ALTER TABLE tiles ADD COLUMN key_hash TEXT';
const INDEX_KEY = 'CREATE INDEX IF NOT EXISTS tiles_by_key ON tiles (key_hash) WHERE key_hash IS NOT NULL';

/**
 * SQLite (WAL) in DATA_DIR/mosaic.db plus tile files in DATA_DIR/tiles. Commits run at
 * synchronous=NORMAL and are made durable by `durable()`, an fsync of the WAL off the event loop.
 */
export class SqliteStore implements TileStore {
  private readonly db: Database.Database;
  private readonly files: TileFiles;
  private nextId: number;
  private readonly stmts;
  /** Commits so far (kept in meta): a start-up image names the state it copies by it. */
  private writes: number;
  /** The commit count of the image on disk that start-up read: its features stand for the rows'. */
  private imageBase: number | null = null;
  private readonly imageFile: string;
  private readonly wal: WalSync;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'mosaic.db'));
    this.db.pragma('journal_mode = WAL');
    // No fsync inside a commit (it would hold the event loop): `durable()` runs it on the pool.
    this.db.pragma('synchronous = NORMAL');
    this.wal = new WalSync(join(dataDir, 'mosaic.db-wal'));
    // A deleted tile's row (its rally, time and perceptual hash) is overwritten, not left in free pages.
    this.db.pragma('secure_delete = ON');
    this.db.exec(SCHEMA);
    const columns = this.db.prepare('PRAGMA table_info(tiles)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'v')) this.db.exec(SCHEMA_V);
    if (!columns.some((c) => c.name === 'key_hash')) this.db.exec(SCHEMA_KEY);
    this.db.exec(INDEX_V);
    this.db.exec(INDEX_KEY);
    this.files = new TileFiles(join(dataDir, 'tiles'));
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO tiles (id, status, col, row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb, phash, key_hash, v)
         VALUES (@id, @status, @col, @row, @tint_r, @tint_g, @tint_b, @event, @created_at, @delete_hash, @features, @rgb, @phash, @key_hash, @v)`,
      ),
      place: this.db.prepare(
        `UPDATE tiles SET status = 'live', col = ?, row = ?, tint_r = ?, tint_g = ?, tint_b = ?, v = ? WHERE id = ?`,
      ),
      unplace: this.db.prepare('UPDATE tiles SET col = -1, row = -1, v = ? WHERE id = ?'),
      pend: this.db.prepare(`UPDATE tiles SET status = 'pending', col = -1, row = -1, v = ? WHERE id = ?`),
      gone: this.db.prepare('INSERT OR REPLACE INTO gone (id, v) VALUES (?, ?)'),
      features: this.db.prepare('SELECT features FROM tiles WHERE id = ?').pluck(),
      deleteHash: this.db.prepare('SELECT delete_hash FROM tiles WHERE id = ?').pluck(),
      ofKey: this.db.prepare('SELECT id FROM tiles WHERE key_hash = ? ORDER BY id LIMIT 1').pluck(),
      remove: this.db.prepare('DELETE FROM tiles WHERE id = ?'),
      setMeta: this.db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
    };
    const n = this.db.prepare(`SELECT value FROM meta WHERE key = 'next_id'`).get() as
      | { value: number }
      | undefined;
    this.nextId = n?.value ?? 1;
    const m = this.metaRows();
    this.writes = m.writes ?? 0;
    this.imageFile = join(dataDir, 'cache', 'startup.img');
  }

  private metaRows(): Record<string, number> {
    return Object.fromEntries(
      (this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: number }[]).map((r) => [
        r.key,
        r.value,
      ]),
    );
  }

  private readMeta(): MosaicMeta | null {
    const m = this.metaRows();
    return m.cols
      ? { cols: m.cols, rows: m.rows ?? m.cols, seq: m.seq ?? 0, ...(m.epoch ? { epoch: m.epoch } : {}) }
      : null;
  }

  /** Every row, read from the database (never from the start-up image). */
  load() {
    return { meta: this.readMeta(), tiles: [...this.loadTiles()] };
  }

  /**
   * Start-up's read: the start-up image brought up to date by the rows written and deleted
   * since (see imageReplay.ts), or every row when there is no image this database can use
   * (none, damaged, of another mosaic, or from a later state: a restored older database).
   * `layoutKey` names what this run computes tints with: the image's `layoutKey` is kept only
   * when every row written since it was written with the same (else it is null).
   */
  scan(layoutKey: string | null = null) {
    const meta = this.readMeta();
    const img = readImage(this.imageFile);
    this.imageBase = null;
    const tintsFrom = this.noteLayout(layoutKey);
    if (img && (img.layoutKey !== layoutKey || img.writes < tintsFrom)) img.layoutKey = null;
    if (!img || img.writes > this.writes || img.meta?.epoch !== meta?.epoch) {
      // Unusable now, and never again: it goes, with any half-written one, so that no row
      // deleted since it was written stays on disk in it.
      shredImages(this.imageFile);
      return { meta, tiles: this.loadTiles() };
    }
    this.imageBase = img.writes;
    let image = img;
    if (img.writes < this.writes) {
      const gone = this.db.prepare('SELECT id FROM gone WHERE v > ?').pluck().all(img.writes) as number[];
      // A crash between a delete's commit and its scrub leaves the row in the image: scrub it now.
      if (gone.length) scrubEntries(this.imageFile, gone);
      image = replay(img, [...this.loadTiles(img.writes)], new Set(gone));
    }
    image.meta = meta;
    return { meta, tiles: imageTiles(image), image };
  }

  /**
   * Records `layoutKey` as this run's; returns the commit count from which rows were written
   * with it (the runs before may have used another).
   */
  private noteLayout(layoutKey: string | null): number {
    const key = layoutKey ? createHash('sha256').update(layoutKey).digest().readUIntBE(0, 6) : 0;
    const m = this.metaRows();
    if (m.layout === key && m.layout_from !== undefined) return m.layout_from;
    this.db.transaction(() => {
      this.stmts.setMeta.run('layout', key);
      this.stmts.setMeta.run('layout_from', this.writes);
    })();
    return this.writes;
  }

  /**
   * Writes the start-up image of the stored state: `cols` must hold every stored row as the
   * caller keeps it, with no commit since (the service calls this inside its mutex, at stop);
   * the store fills in the features, from the image start-up read (a tile's features never
   * change and ids are never reused) and, for later tiles, from the rows. False when `cols`
   * miss a row.
   */
  saveStartupImage(cols: ImageColumns, info: Omit<ImageInfo, 'meta'>): boolean {
    const { count } = info;
    const stored = this.db.prepare('SELECT count(*) FROM tiles').pluck().get() as number;
    if (stored !== count) return false;
    const had = new Uint8Array(count);
    const old = this.imageBase !== null ? readImage(this.imageFile) : null;
    if (old && old.writes === this.imageBase) {
      for (let a = 0, b = 0; a < count && b < old.count; ) {
        const ia = cols.ids[a]!;
        const ib = old.cols.ids[b]!;
        if (ia < ib) a++;
        else if (ib < ia) b++;
        else {
          // Copied a run of equal ids at a time: between two stops, most ids are in both.
          let n = 1;
          while (a + n < count && b + n < old.count && cols.ids[a + n] === old.cols.ids[b + n]) n++;
          cols.features.set(
            old.cols.features.subarray(b * FEATURE_LEN, (b + n) * FEATURE_LEN),
            a * FEATURE_LEN,
          );
          had.fill(1, a, a + n);
          a += n;
          b += n;
        }
      }
    }
    const first = had.indexOf(0);
    if (first >= 0) {
      const rows = this.db
        .prepare('SELECT id, features FROM tiles WHERE id >= ? ORDER BY id')
        .raw()
        .iterate(cols.ids[first]) as IterableIterator<[number, Buffer]>;
      let a = first;
      for (const [id, blob] of rows) {
        while (a < count && cols.ids[a]! < id) a++;
        if (a >= count) break;
        if (cols.ids[a] !== id || had[a]) continue;
        new Uint8Array(cols.features.buffer, a * FEATURE_LEN * 4, blob.byteLength).set(blob);
        had[a] = 1;
      }
      if (had.indexOf(0) >= 0) return false;
    }
    writeImage(this.imageFile, { writes: this.writes }, { ...info, meta: this.readMeta() }, cols);
    this.imageBase = this.writes;
    // Deletes the image now leaves out need not be replayed any more.
    this.db.prepare('DELETE FROM gone WHERE v <= ?').run(this.writes);
    return true;
  }

  /**
   * Every row (or, given `afterWrite`, those written after that commit), streamed in raw
   * (array) mode, with all features copied into one shared arena: a million rows load in a
   * third of the time and memory of `.all()` objects.
   */
  private *loadTiles(afterWrite?: number): Generator<LoadedTile> {
    // All rows go by the table in id order; a replay's few by the index on v.
    const where = afterWrite === undefined ? '' : ' WHERE v > ?';
    const args = afterWrite === undefined ? [] : [afterWrite];
    const count =
      (this.db
        .prepare(`SELECT count(*) FROM tiles${where}`)
        .pluck()
        .get(...args) as number) ?? 0;
    let loaded = 0;
    let arena = new Uint8Array(0);
    let used = 0;
    const rows = this.db
      .prepare(
        `SELECT id, status, col, row, tint_r, tint_g, tint_b, event, created_at, features, rgb, phash FROM tiles${where} ORDER BY id`,
      )
      .raw()
      .iterate(...args) as IterableIterator<unknown[]>;
    for (const r of rows) {
      const blob = r[9] as Buffer;
      if (used + blob.byteLength > arena.byteLength) {
        // Sized for the rows counted (plus any written meanwhile), 4-byte aligned for Float32Array.
        arena = new Uint8Array(Math.max(blob.byteLength, (count - loaded) * blob.byteLength) + 4);
        used = 0;
      }
      arena.set(blob, used);
      const features = new Float32Array(arena.buffer, used, blob.byteLength / 4);
      used += (blob.byteLength + 3) & ~3;
      const rgb = r[10] as number;
      loaded++;
      yield {
        id: r[0] as number,
        status: r[1] as TileRow['status'],
        col: r[2] as number,
        row: r[3] as number,
        tint: { r: r[4] as number, g: r[5] as number, b: r[6] as number },
        event: r[7] as string | null,
        createdAt: r[8] as number,
        features,
        rgb: unpackRgb(rgb),
        phash: r[11] as string | null,
      };
    }
  }

  reserveId(): number {
    return this.nextId++;
  }

  putFiles(id: number, files: ReadonlyMap<TileSize, Buffer>, rgb32?: Buffer): Promise<void> {
    return this.files.put(id, files, rgb32);
  }

  readFile(id: number, size: TileSize): Promise<Buffer | null> {
    return this.files.read(id, size);
  }

  readRgb32(id: number): Promise<Buffer | null> {
    return this.files.readRgb32(id);
  }

  deleteFiles(id: number): Promise<void> {
    return this.files.remove(id);
  }

  readDeleteHash(id: number): string | null {
    return (this.stmts.deleteHash.get(id) as string | undefined) ?? null;
  }

  tileOfKey(keyHash: string): number | null {
    return (this.stmts.ofKey.get(keyHash) as number | undefined) ?? null;
  }

  readFeatures(id: number): Float32Array | null {
    const b = this.stmts.features.get(id) as Buffer | undefined;
    if (!b) return null;
    const f = new Float32Array(b.byteLength / 4);
    new Uint8Array(f.buffer).set(b);
    return f;
  }

  /** Bulk seeding: gives tile `id` the same file as `sourceId` (a hard link). */
  linkFiles(id: number, sourceId: number): Promise<void> {
    return this.files.linkFrom(id, sourceId);
  }

  readonly commit = (c: Commit): void => {
    // After a failed fsync nothing more is committed: it could not be made durable.
    const failed = this.refusal();
    if (failed) throw failed;
    const writes = this.writes + 1;
    this.db.transaction(() => {
      this.stmts.setMeta.run('writes', writes);
      const t = c.insert;
      if (t) {
        this.insertRow(t, writes);
        this.stmts.setMeta.run('next_id', Math.max(this.nextId, t.id + 1));
      }
      for (const id of c.remove ?? []) {
        this.stmts.remove.run(id);
        this.stmts.gone.run(id, writes);
      }
      for (const [id, p] of placementsOf(c.changes)) {
        if (p) this.stmts.place.run(p.col, p.row, p.tint.r, p.tint.g, p.tint.b, writes, id);
        else this.stmts.unplace.run(writes, id);
      }
      for (const id of c.pend ?? []) this.stmts.pend.run(writes, id);
      this.writeMeta(c.meta);
    })();
    this.writes = writes;
    // The start-up image stays (start-up replays what came since), but keeps no deleted row.
    if (c.remove?.length) scrubEntries(this.imageFile, c.remove);
    // With secure_delete the row's page is zeroed, but its old copy may still sit in the WAL:
    // fold the WAL in and truncate it after a removal (rare), so no copy of the row is left.
    if (c.remove?.length) this.db.pragma('wal_checkpoint(TRUNCATE)');
  };

  /**
   * Bulk import (seeding, migrations): many already-placed rows in one transaction.
   * Their files must already be durable.
   */
  bulkInsert(rows: readonly TileRow[], meta: MosaicMeta): void {
    const writes = this.writes + 1;
    this.db.transaction(() => {
      this.stmts.setMeta.run('writes', writes);
      for (const t of rows) this.insertRow(t, writes);
      const top = rows.reduce((m, t) => Math.max(m, t.id), 0);
      this.nextId = Math.max(this.nextId, top + 1);
      this.stmts.setMeta.run('next_id', this.nextId);
      this.writeMeta(meta);
    })();
    this.writes = writes;
  }

  private writeMeta(meta: MosaicMeta) {
    this.stmts.setMeta.run('cols', meta.cols);
    this.stmts.setMeta.run('rows', meta.rows);
    this.stmts.setMeta.run('seq', meta.seq);
    if (meta.epoch) this.stmts.setMeta.run('epoch', meta.epoch);
  }

  private insertRow(t: TileRow, v: number) {
    this.stmts.insert.run({
      v,
      id: t.id,
      status: t.status,
      col: t.col,
      row: t.row,
      tint_r: t.tint.r,
      tint_g: t.tint.g,
      tint_b: t.tint.b,
      event: t.event,
      created_at: t.createdAt,
      delete_hash: t.deleteHash,
      features: Buffer.from(t.features.buffer, t.features.byteOffset, t.features.byteLength),
      rgb: packRgb(t.rgb[0], t.rgb[1], t.rgb[2]),
      phash: t.phash,
      key_hash: t.keyHash ?? null,
    });
  }

  async sweepOrphans(
    opts: { whileServing?: boolean; known?: (id: number) => boolean } = {},
  ): Promise<number> {
    // Ids from nextId on are being written while it serves; at start-up nothing is.
    const from = opts.whileServing ? this.nextId : Number.POSITIVE_INFINITY;
    let known = opts.known;
    if (!known) {
      const ids = new Set((this.db.prepare('SELECT id FROM tiles').pluck().all() as number[]) ?? []);
      known = (id) => ids.has(id);
    }
    return this.files.sweep(known, from);
  }

  durable(): Promise<void> {
    return this.wal.sync();
  }

  refusal(): Error | null {
    return this.wal.failed;
  }

  close(): void {
    // Closing the last connection checkpoints the WAL into the database, with its fsyncs.
    if (this.db.open) this.db.close();
    void this.wal.close();
  }
}
