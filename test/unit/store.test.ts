import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server/store/MemoryStore.ts';
import { SqliteStore } from '../../server/store/SqliteStore.ts';
import type { TileRow, TileStore } from '../../server/store/types.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

function row(id: number, over: Partial<TileRow> = {}): TileRow {
  return {
    id,
    status: 'live',
    col: -1,
    row: -1,
    tint: { r: 0, g: 0, b: 0 },
    event: id % 2 ? 'london' : null,
    createdAt: 1_700_000_000_000 + id,
    deleteHash: 'ab'.repeat(32),
    features: Float32Array.from({ length: 30 }, (_, i) => id + i / 10),
    rgb: [id % 256, 20, 30],
    phash: null,
    ...over,
  };
}

/** The same script of commits, applied to any store. */
async function script(s: TileStore) {
  const a = s.reserveId();
  const b = s.reserveId();
  const c = s.reserveId();
  await s.putFiles(a, new Map([[32, Buffer.from('a32')]]));
  await s.putFiles(b, new Map([[32, Buffer.from('b32')]]));
  await s.putFiles(c, new Map([[32, Buffer.from('orphan')]]));
  s.commit({
    insert: row(a),
    changes: [{ type: 'placed', seq: 1, id: a, col: 1, row: 2, tint: { r: 3, g: -4, b: 5 } }],
    meta: { cols: 4, rows: 4, seq: 1 },
  });
  s.commit({
    insert: row(b),
    changes: [
      { type: 'placed', seq: 2, id: b, col: 1, row: 2, tint: { r: 0, g: 0, b: 0 } },
      { type: 'moved', seq: 3, id: a, col: 3, row: 3, tint: { r: 1, g: 1, b: 1 } },
    ],
    meta: { cols: 4, rows: 4, seq: 3 },
  });
  s.commit({
    changes: [
      {
        type: 'grown',
        seq: 4,
        cols: 8,
        rows: 8,
        placements: [
          { id: a, col: 7, row: 7, tint: { r: 2, g: 2, b: 2 } },
          { id: b, col: 0, row: 0, tint: { r: -2, g: 0, b: 0 } },
        ],
      },
    ],
    meta: { cols: 8, rows: 8, seq: 4 },
  });
  s.commit({
    remove: [b],
    changes: [{ type: 'removed', seq: 5, id: b, col: 0, row: 0 }],
    meta: { cols: 8, rows: 8, seq: 5 },
  });
  await s.deleteFiles(b);
  // c's files were written but its row never committed (a crash): the sweep removes them.
  const swept = await s.sweepOrphans();
  return { a, b, c, swept };
}

describe.each([
  ['MemoryStore', () => ({ store: new MemoryStore() as TileStore, cleanup: () => {} })],
  [
    'SqliteStore',
    () => {
      const dir = tempDataDir();
      return { store: new SqliteStore(dir) as TileStore, cleanup: () => removeDir(dir), dir };
    },
  ],
])('%s', (_name, make) => {
  it('applies placed, moved, grown and removed changes, sweeps orphans, keeps ids unique', async () => {
    const { store, cleanup } = make();
    const { a, b, c, swept } = await script(store);
    const { meta, tiles } = store.load();
    expect(meta).toEqual({ cols: 8, rows: 8, seq: 5 });
    expect(tiles.map((t) => t.id)).toEqual([a]);
    expect(tiles[0]).toMatchObject({
      col: 7,
      row: 7,
      tint: { r: 2, g: 2, b: 2 },
      event: 'london',
      rgb: [a, 20, 30],
    });
    expect([...tiles[0]!.features]).toEqual([...row(a).features]);
    // The delete hash stays in the store, asked for one tile at a time.
    expect(tiles[0]).not.toHaveProperty('deleteHash');
    expect(store.readDeleteHash(a)).toBe(row(a).deleteHash);
    expect(store.readDeleteHash(b)).toBeNull();
    expect(swept).toBe(1);
    expect(await store.readFile(a, 32)).toEqual(Buffer.from('a32'));
    expect(await store.readFile(b, 32)).toBeNull();
    expect(await store.readFile(c, 32)).toBeNull();
    expect(store.reserveId()).toBeGreaterThan(c);
    store.close();
    cleanup();
  });
});

describe('SqliteStore durability', () => {
  it('reopens with the same rows and never hands out a deleted id again', async () => {
    const dir = tempDataDir();
    const s1 = new SqliteStore(dir);
    const { a, b } = await script(s1);
    s1.close();
    const s2 = new SqliteStore(dir);
    expect(s2.load().tiles.map((t) => t.id)).toEqual([a]);
    expect(s2.reserveId()).toBeGreaterThan(b);
    s2.close();
    removeDir(dir);
  });
});
