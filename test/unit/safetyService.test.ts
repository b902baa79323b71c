import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGET } from '../../server/config.ts';
import { MosaicService, type TileLifecycle } from '../../server/core/MosaicService.ts';
import { type IngestedPhoto, ingestPhoto } from '../../server/ingest/pipeline.ts';
import { Target } from '../../server/ingest/target.ts';
import { MemoryStore } from '../../server/store/MemoryStore.ts';
import type { Commit } from '../../server/store/types.ts';
import type { Change } from '../../shared/mosaic/types.ts';
import { syntheticJpeg } from '../support/images.ts';
import { queuedIds } from '../support/moderation.ts';

let target: Target;
let photos: IngestedPhoto[];

beforeAll(async () => {
  target = await Target.open(DEFAULT_TARGET);
  photos = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => ingestPhoto(await syntheticJpeg(320, 240, i + 1))),
  );
});

/** A MemoryStore that logs each commit and can be told to fail the next one. */
class LoggingStore extends MemoryStore {
  readonly log: string[] = [];
  failNext = false;
  override commit(c: Commit): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    super.commit(c);
    this.log.push(`commit ${c.changes.map((x) => x.type).join(',')}`);
  }
}

async function open(store: MemoryStore, moderation: 'post' | 'pre', side = 4) {
  const s = await MosaicService.open({
    store,
    target,
    cols: side,
    rows: side,
    tint: 0.3,
    seed: 1,
    moderation,
  });
  const published: Change[] = [];
  const lifecycle: TileLifecycle[] = [];
  s.subscribe((c) => {
    published.push(...c);
    if (store instanceof LoggingStore) store.log.push(`publish ${c.map((x) => x.type).join(',')}`);
  });
  s.subscribeTiles((e) => lifecycle.push(e));
  return { s, published, lifecycle };
}

const rowOf = (store: MemoryStore, id: number) => store.load().tiles.find((t) => t.id === id);

describe('MosaicService moderation', () => {
  it('hide() frees the cell, commits the row as pending before publishing, and approve() puts it back', async () => {
    const store = new LoggingStore();
    const { s, published } = await open(store, 'post');
    const a = await s.add(photos[0]!, { event: null, phash: null });
    const b = await s.add(photos[1]!, { event: null, phash: null });
    store.log.length = 0;
    published.length = 0;

    expect(await s.hide(a.id)).toBe(true);
    expect(store.log).toEqual(['commit removed', 'publish removed']);
    expect(published).toEqual([
      expect.objectContaining({ type: 'removed', id: a.id, col: a.col, row: a.row }),
    ]);
    expect(rowOf(store, a.id)).toMatchObject({ status: 'pending', col: -1, row: -1 });
    expect(s.get(a.id)).toMatchObject({ status: 'pending', col: -1 });
    expect(await queuedIds(s)).toEqual([a.id]);
    expect(s.liveIn(a.col, a.row, 1, 1)).toEqual([]);
    expect(await s.hide(a.id)).toBe(false);

    // The hidden state survives a restart.
    const again = await open(store, 'post');
    expect(await queuedIds(again.s)).toEqual([a.id]);
    expect(again.s.placements().map((p) => p.id)).toEqual([b.id]);

    expect(await again.s.approve([a.id, b.id, 77])).toEqual([a.id]);
    expect(again.published.filter((c) => c.type === 'placed').map((c) => (c as { id: number }).id)).toEqual([
      a.id,
    ]);
    expect(rowOf(store, a.id)).toMatchObject({ status: 'live' });
    expect(again.s.get(a.id)?.status).toBe('live');
    expect(await queuedIds(again.s)).toEqual([]);
  });

  it('approve() places a batch in one commit, growing a full grid', async () => {
    const store = new LoggingStore();
    const { s, published } = await open(store, 'pre', 2);
    const ids = [];
    for (const p of photos.slice(0, 5)) ids.push((await s.add(p, { event: 'london', phash: null })).id);
    expect(published).toEqual([]);
    store.log.length = 0;
    expect(await s.approve(ids)).toEqual(ids);
    expect(store.log).toHaveLength(2);
    expect(store.log[0]).toMatch(/^commit .*grown/);
    expect(store.log[1]).toMatch(/^publish .*grown/);
    expect(s.cols).toBe(4);
    expect(s.tileCount).toBe(5);
    expect(store.load().tiles.every((t) => t.status === 'live' && t.col >= 0)).toBe(true);
  });

  it('publishes nothing and changes nothing when the commit fails', async () => {
    const store = new LoggingStore();
    const { s, published } = await open(store, 'pre');
    const { id } = await s.add(photos[0]!, { event: null, phash: null });
    store.failNext = true;
    await expect(s.approve([id])).rejects.toThrow('disk full');
    expect(published).toEqual([]);
    expect(await queuedIds(s)).toEqual([id]);
    expect(s.tileCount).toBe(0);
    // And it still works afterwards.
    expect(await s.approve([id])).toEqual([id]);
    expect(s.tileCount).toBe(1);
  });

  it('reject() and removeWhere() delete rows and files, tell the lifecycle, and publish only live removals', async () => {
    const store = new MemoryStore();
    const { s, lifecycle } = await open(store, 'post');
    const live = await s.add(photos[0]!, { event: 'london', phash: 'ab'.repeat(8) });
    const other = await s.add(photos[1]!, { event: 'paris', phash: null });
    expect(lifecycle.map((e) => e.type)).toEqual(['stored', 'stored']);
    expect(await s.hide(other.id)).toBe(true);
    const pendingLondon = (await open(store, 'pre')).s; // a second service over the same store, in pre mode
    const waiting = await pendingLondon.add(photos[2]!, { event: 'london', phash: null });
    // Reload the first service's view: it now has the waiting tile too.
    const fresh = await open(store, 'post');

    expect(await fresh.s.reject([live.id])).toEqual([]); // live: not rejectable
    const gone = await fresh.s.removeWhere({ event: 'london' });
    expect(gone.sort()).toEqual([live.id, waiting.id].sort());
    expect(fresh.published).toEqual([expect.objectContaining({ type: 'removed', id: live.id })]);
    expect(fresh.lifecycle).toEqual([{ type: 'deleted', ids: gone }]);
    for (const id of gone) {
      expect(rowOf(store, id)).toBeUndefined();
      expect(await store.readFile(id, 128)).toBeNull();
    }
    expect(await fresh.s.reject([other.id])).toEqual([other.id]);
    expect(rowOf(store, other.id)).toBeUndefined();
  });

  it('removeWhere({ region }) removes exactly the live tiles inside it', async () => {
    const { s } = await open(new MemoryStore(), 'post');
    const added = [];
    for (const p of photos.slice(0, 4)) added.push(await s.add(p, { event: null, phash: null }));
    const first = s.get(added[0]!.id)!;
    expect(await s.removeWhere({ region: { col: first.col, row: first.row, cols: 1, rows: 1 } })).toEqual([
      first.id,
    ]);
    expect(await s.removeWhere({ region: { col: 0, row: 0, cols: 100, rows: 100 } })).toHaveLength(3);
    expect(s.tileCount).toBe(0);
  });
});

describe('MosaicService snapshot', () => {
  it('matches the engine after adds, a hide, an approval, a removal and a growth', async () => {
    const store = new MemoryStore();
    const { s } = await open(store, 'post', 2);
    // The committed placements (the engine's changes as the store applied them), with each
    // tile's rally and colour from its record.
    const engineView = () =>
      store
        .load()
        .tiles.filter((t) => t.status === 'live' && t.col >= 0)
        .map((p) => {
          const r = s.get(p.id)!;
          return { id: p.id, col: p.col, row: p.row, tint: p.tint, rgb: r.rgb, event: r.event };
        })
        .sort((x, y) => x.id - y.id);
    const snapView = () => {
      const snap = s.snapshot();
      expect([snap.cols, snap.rows, snap.seq]).toEqual([s.cols, s.rows, s.seq]);
      return snap.tiles
        .map((t) => ({ id: t.id, col: t.col, row: t.row, tint: t.tint, rgb: t.rgb, event: t.event }))
        .sort((x, y) => x.id - y.id);
    };
    const ids: number[] = [];
    for (const [i, p] of photos.slice(0, 4).entries())
      ids.push((await s.add(p, { event: i % 2 ? 'london' : null, phash: null })).id);
    expect(snapView()).toEqual(engineView());
    expect(await s.hide(ids[1]!)).toBe(true);
    expect(snapView()).toEqual(engineView());
    await s.approve([ids[1]!]);
    expect(snapView()).toEqual(engineView());
    expect(await s.remove(ids[2]!)).toBe(true);
    expect(snapView()).toEqual(engineView());
    // Five tiles on a 2x2 grid: the mosaic grows and every tile moves.
    ids.push((await s.add(photos[4]!, { event: null, phash: null })).id);
    ids.push((await s.add(photos[5]!, { event: null, phash: null })).id);
    expect(s.cols).toBeGreaterThan(2);
    expect(snapView()).toEqual(engineView());
    expect(snapView()).toHaveLength(5);
  });
});
