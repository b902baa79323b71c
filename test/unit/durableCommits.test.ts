import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGET } from '../../server/config.ts';
import { MosaicService } from '../../server/core/MosaicService.ts';
import { SqliteImportLedger } from '../../server/importing/SqliteImportLedger.ts';
import { type IngestedPhoto, ingestPhoto } from '../../server/ingest/pipeline.ts';
import { Target } from '../../server/ingest/target.ts';
import { MemoryStore } from '../../server/store/MemoryStore.ts';
import { SqliteStore } from '../../server/store/SqliteStore.ts';
import { WalSync } from '../../server/store/walSync.ts';
import type { Change } from '../../shared/mosaic/types.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

let target: Target;
let photos: IngestedPhoto[];
const dirs: string[] = [];

beforeAll(async () => {
  target = await Target.open(DEFAULT_TARGET);
  photos = await Promise.all(
    Array.from({ length: 4 }, async (_, i) => ingestPhoto(await syntheticJpeg(320, 240, i + 11))),
  );
});

afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

/** A WAL-mode database committing at synchronous = NORMAL, as the stores open theirs. */
function walDatabase() {
  const dir = tempDataDir();
  dirs.push(dir);
  const db = new Database(join(dir, 'mosaic.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v INTEGER)');
  return { db, wal: join(dir, 'mosaic.db-wal') };
}

describe('WalSync', () => {
  it('fsyncs the WAL once for the first caller and once for all who came while it ran', async () => {
    const { db, wal } = walDatabase();
    expect(existsSync(wal)).toBe(true);
    const sync = new WalSync(wal);
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 8; i++) {
      insert.run(i);
      waits.push(sync.sync());
    }
    await Promise.all(waits);
    // The first fsync may have started before the later commits: they share a second one.
    expect(sync.flushes).toBe(2);
    insert.run(8);
    await sync.sync();
    expect(sync.flushes).toBe(3);
    expect(sync.failed).toBeNull();
    await sync.close();
    db.close();
  });

  it('fails for good once the journal cannot be synced, with 503 STORAGE_FAILED', async () => {
    const { db, wal } = walDatabase();
    const sync = new WalSync(`${wal}-gone`);
    const first = sync.sync();
    const queued = sync.sync();
    for (const p of [first, queued])
      await expect(p).rejects.toMatchObject({ status: 503, code: 'STORAGE_FAILED' });
    expect(sync.failed).toMatchObject({ code: 'STORAGE_FAILED' });
    // No later fsync can vouch for what the failed one dropped.
    await expect(sync.sync()).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(sync.flushes).toBe(0);
    db.close();
  });

  it("the import ledger shares the store's fsync of mosaic.db's WAL: one that fails refuses both", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    new SqliteStore(dir).close();
    // Opened again: nothing is synced at start-up, and the journal then goes from under it.
    const store = new SqliteStore(dir);
    const ledger = new SqliteImportLedger(dir, Date.now, () => store.durable());
    expect(await ledger.claim('file-sha-256')).toEqual({ state: 'claimed' });
    unlinkSync(join(dir, 'mosaic.db-wal'));
    await expect(ledger.finish('file-sha-256', 1)).rejects.toMatchObject({
      status: 503,
      code: 'STORAGE_FAILED',
    });
    // The tiles' commits go to the same journal: the store refuses them from now on.
    expect(store.refusal()).toMatchObject({ code: 'STORAGE_FAILED' });
    await ledger.close();
    store.close();
  });
});

/** A MemoryStore whose commits become durable only when the test says so. */
class HeldStore extends MemoryStore {
  private held: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  hold = false;
  override durable(): Promise<void> {
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }
  get waiting(): number {
    return this.held.length;
  }
  private failure: Error | null = null;
  /** Lets the held commits go on: durable, or (given `failure`) lost, the store then refusing commits. */
  release(failure?: Error) {
    if (failure) this.failure = failure;
    for (const h of this.held.splice(0)) failure ? h.reject(failure) : h.resolve();
  }
  override refusal(): Error | null {
    return this.failure;
  }
}

async function openHeld() {
  const store = new HeldStore();
  const s = await MosaicService.open({
    store,
    target,
    cols: 4,
    rows: 4,
    tint: 0.3,
    seed: 1,
    moderation: 'post',
  });
  const published: Change[] = [];
  s.subscribe((c) => published.push(...c));
  return { store, s, published };
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

describe('MosaicService waits for durable commits', () => {
  it('answers, publishes and shows a tile only once its commit is durable, one commit at a time', async () => {
    const { store, s, published } = await openHeld();
    const before = { seq: s.seq, snapshot: s.snapshot(), cells: s.snapshotCells().count };
    store.hold = true;
    let answered = false;
    const adding = s.add(photos[0]!, { event: null, phash: null }).then((a) => {
      answered = true;
      return a;
    });
    await until(() => store.waiting === 1);
    // Committed, not yet durable: nothing of it is seen or told.
    expect(store.load().tiles).toHaveLength(1);
    expect(answered).toBe(false);
    expect(published).toEqual([]);
    expect(s.seq).toBe(before.seq);
    expect(s.tileCount).toBe(0);
    expect(s.snapshot()).toEqual(before.snapshot);
    expect(s.snapshotCells().count).toBe(before.cells);
    expect(s.placements()).toEqual([]);
    const id = store.load().tiles[0]!.id;
    expect(await s.find(id)).toBeUndefined();
    // The next change waits behind it: no second commit meanwhile.
    const second = s.add(photos[1]!, { event: null, phash: null });
    await new Promise((r) => setTimeout(r, 30));
    expect(store.load().tiles).toHaveLength(1);

    store.release();
    const a = await adding;
    expect(a.id).toBe(id);
    expect(published).toEqual([expect.objectContaining({ type: 'placed', id })]);
    expect(s.seq).toBe(a.seq);
    expect(s.placements().map((p) => p.id)).toEqual([id]);
    await until(() => store.waiting === 1);
    expect(store.load().tiles).toHaveLength(2);
    store.release();
    const b = await second;
    expect(
      s
        .snapshot()
        .tiles.map((t) => t.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
  });

  it('when the disk fails to keep a commit: the caller gets the error, memory follows the store, the files stay', async () => {
    const { store, s, published } = await openHeld();
    store.hold = true;
    const key = 'k7Qx2-retry-of-a-lost-answer';
    const adding = s.add(photos[2]!, { event: null, phash: null, key });
    await until(() => store.waiting === 1);
    const failure = Object.assign(new Error('disk failed'), { status: 503, code: 'STORAGE_FAILED' });
    store.release(failure);
    await expect(adding).rejects.toBe(failure);
    const [row] = store.load().tiles;
    // What the store holds (and serves to every read) is what viewers see.
    expect(await s.find(row!.id)).toMatchObject({ status: 'live', col: row!.col, row: row!.row });
    expect(published).toEqual([expect.objectContaining({ type: 'placed', id: row!.id })]);
    expect(await store.readFile(row!.id, 512)).not.toBeNull();

    store.hold = false;
    // A retry with the same key finds that tile, which the disk may have lost: it gets the
    // failure, not an answer that promises the tile is kept.
    await expect(s.tileOfKey(key)).rejects.toBe(failure);
    // So does an import's lookup of the tile its file became.
    await expect(s.tileOfImport('file-sha-256')).rejects.toBe(failure);
    // Another photo is refused before anything of it is written.
    const next = store.reserveId() + 1;
    await expect(s.add(photos[3]!, { event: null, phash: null })).rejects.toBe(failure);
    expect(await store.readFile(next, 512)).toBeNull();
    expect(store.reserveId()).toBe(next);
    expect(store.load().tiles).toHaveLength(1);
  });
});
