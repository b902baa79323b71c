import { describe, expect, it } from 'vitest';
import { CellIndex, Want } from '../../shared/mosaic/CellIndex.ts';
import { DIM, sqDist } from '../../shared/mosaic/engineSpace.ts';
import { IdMap } from '../../shared/mosaic/IdMap.ts';
import {
  type Change,
  createEngine,
  FEATURE_LEN,
  labToDin99o,
  mulberry32,
  restoreEngine,
} from '../../shared/mosaic/index.ts';
import { grid } from './engineFixtures.ts';

function randomFeatures(rng: () => number, n: number): Float32Array {
  const f = new Float32Array(n * FEATURE_LEN);
  for (let i = 0; i < f.length; i++) f[i] = (i % 3 === 0 ? 100 : 160) * rng() - (i % 3 === 0 ? 0 : 80);
  return f;
}

/** Runs a seeded session: arrivals, some removals, a growth; returns every change. */
function session(seed: number): Change[] {
  const data = mulberry32(99);
  // Repeated letters make cells of equal features, between which only the rng chooses.
  const g = grid('KKKKWWWW KKKKWWWW RRRRGGGG RRRRGGGG BBBBYYYY BBBBYYYY');
  const e = createEngine({ ...g, tint: 0.3, rng: mulberry32(seed) });
  const out: Change[] = [];
  for (let id = 1; id <= 60; id++) {
    if (e.isFull()) out.push(e.grow(16, 12, randomFeatures(data, 192)));
    out.push(...e.place(id, randomFeatures(data, 1)));
    if (id % 9 === 0) out.push(e.remove(id - 4)!);
  }
  return out;
}

describe('engine state', () => {
  it('is deterministic for a seed', () => {
    expect(session(1)).toEqual(session(1));
    expect(session(1)).not.toEqual(session(2));
  });

  it.each([1, 2, 3])('index finds the exact nearest free cell, duplicates and all (seed %i)', (seed) => {
    const rng = mulberry32(seed);
    const n = 500;
    // Few distinct values, so many cells share a class.
    const vecs = new Int8Array(n * DIM).map(() => Math.floor(rng() * 4) * 20 - 30);
    const index = new CellIndex(vecs, n, 4);
    const taken = new Set<number>();
    for (let i = 0; i < n; i++) {
      const q = new Int8Array(DIM).map(() => Math.floor(rng() * 200) - 100);
      let bruteD = Infinity;
      for (let c = 0; c < n; c++) if (!taken.has(c)) bruteD = Math.min(bruteD, sqDist(q, 0, vecs, c * DIM));
      const k = index.best(q, 0, Want.free, 2);
      expect(index.lastDist).toBe(bruteD);
      const cell = index.freeCellOf(k);
      expect(taken.has(cell)).toBe(false);
      expect(index.classOf(cell)).toBe(k);
      expect(sqDist(q, 0, vecs, cell * DIM)).toBe(bruteD);
      index.take(cell);
      taken.add(cell);
      expect(index.freeCount).toBe(n - taken.size);
    }
    expect(index.best(new Int8Array(DIM), 0, Want.free, 2)).toBe(-1);
    for (const c of taken) index.release(c);
    expect([...taken].every((c) => index.isFree(c))).toBe(true);
  });

  it.each([1, 2])('voxel lists hold the classes nearest the voxel by mean colour (seed %i)', (seed) => {
    const rng = mulberry32(seed);
    const n = 400;
    const vecs = new Int8Array(n * DIM).map(() => Math.floor(rng() * 120) - 60);
    const index = new CellIndex(vecs, n, 4, 16, 3);
    const lists = index.lists!;
    const centre = (x: number) => (x >> 3) * 8 - 128 + 3.5;
    for (let i = 0; i < 20; i++) {
      const q = new Int8Array(DIM).map(() => Math.floor(rng() * 120) - 60);
      const vox = lists.voxelOf(q, 0);
      const at = lists.near(vox);
      const got = Array.from(lists.entries.subarray(at, at + 16), (p) => index.table.tree.order[p]!);
      const c = [0, 1, 2].map((k) => centre(q[k]! + 128));
      const d = (k: number) => {
        let s = 0;
        for (let j = 0; j < 3; j++) s += (index.cls.vec[k * DIM + j]! - c[j]!) ** 2;
        return s;
      };
      const brute = Array.from({ length: index.cls.count }, (_, k) => k).sort((a, b) => d(a) - d(b));
      // Nearest first; ties may come in either order, so compare distances.
      expect(got.map(d)).toEqual(brute.slice(0, 16).map(d));
    }
  });

  it('DIN99o from its tables stays within 2e-5 of the formula, in and out of their ranges', () => {
    const formula = (l: number, a: number, b: number) => {
      const c = Math.cos((26 * Math.PI) / 180);
      const s = Math.sin((26 * Math.PI) / 180);
      const e = a * c + b * s;
      const f = 0.83 * (-a * s + b * c);
      const g = Math.hypot(e, f);
      const h = Math.atan2(f, e) + (26 * Math.PI) / 180;
      const cg = 23 * Math.log(1 + 0.075 * g);
      return [303.67 * Math.log(1 + 0.0039 * l), cg * Math.cos(h), cg * Math.sin(h)];
    };
    const out = new Float32Array(3);
    let worst = 0;
    for (let l = -40; l <= 140; l += 0.37) {
      for (let a = -300; a <= 300; a += 7.3) {
        for (const b of [-300, -128, -41.3, -2, 0, 0.01, 3.7, 55, 127, 300]) {
          labToDin99o(l, a, b, out, 0);
          const want = formula(l, a, b);
          for (let k = 0; k < 3; k++)
            worst = Math.max(worst, Math.abs(out[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!)));
        }
      }
    }
    expect(worst).toBeLessThan(2e-5);
    labToDin99o(50, 0, 0, out, 0);
    expect([out[1], out[2]]).toEqual([0, 0]);
  });

  it('fills the cells of one class in a seeded random order, and a freed cell is the next one taken', () => {
    const n = 200;
    // Two classes: even cells and odd cells.
    const vecs = new Int8Array(n * DIM).map((_, i) => (Math.floor(i / DIM) % 2) * 10);
    const order = (seed: number) => {
      const index = new CellIndex(vecs, n, 4);
      index.shuffleMembers(mulberry32(seed));
      const k = index.classOf(0);
      const got: number[] = [];
      while (index.isOpen(k)) {
        const cell = index.freeCellOf(k);
        expect(index.isFree(cell)).toBe(true);
        expect(index.classOf(cell)).toBe(k);
        index.take(cell);
        got.push(cell);
      }
      expect(index.freeCount).toBe(n / 2);
      index.release(got[10]!);
      expect(index.freeCellOf(k)).toBe(got[10]);
      return got;
    };
    const a = order(1);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: n / 2 }, (_, i) => 2 * i));
    expect(order(1)).toEqual(a);
    expect(order(2)).not.toEqual(a);
    // Not the cells' own order either way.
    expect(a.slice(0, 10)).not.toEqual(a.slice(0, 10).sort((x, y) => x - y));
    const taken = new CellIndex(vecs, n, 4);
    taken.take(0);
    expect(() => taken.shuffleMembers(mulberry32(1))).toThrow(/after cells were taken/);
  });

  it('open lists over coarser voxels hold the open classes nearest that voxel, and are rebuilt when stale', () => {
    const rng = mulberry32(3);
    const n = 400;
    const vecs = new Int8Array(n * DIM).map(() => Math.floor(rng() * 120) - 60);
    const index = new CellIndex(vecs, n, 4, 16, 3, 8);
    const lists = index.lists!;
    lists.setOpenShift(4);
    // Close every class of some cells, so open lists must skip them.
    for (let c = 0; c < n; c += 3) index.take(c);
    const centre = (x: number) => (x >> 4) * 16 - 128 + 7.5;
    const listed = (at: number) =>
      Array.from(lists.entries.subarray(at, at + 8), (p) => index.table.tree.order[p]!);
    for (let i = 0; i < 20; i++) {
      const q = new Int8Array(DIM).map(() => Math.floor(rng() * 120) - 60);
      const vox = lists.voxelOf(q, 0, true);
      expect(vox).not.toBe(lists.voxelOf(q, 0));
      const c = [0, 1, 2].map((k) => centre(q[k]! + 128));
      const d = (k: number) => {
        let s = 0;
        for (let j = 0; j < 3; j++) s += (index.cls.vec[k * DIM + j]! - c[j]!) ** 2;
        return s;
      };
      const open = () =>
        Array.from({ length: index.cls.count }, (_, k) => k)
          .filter((k) => index.isOpen(k))
          .sort((a, b) => d(a) - d(b));
      expect(listed(lists.open(vox, false)).map(d)).toEqual(open().slice(0, 8).map(d));
      // Fill every listed class: the stale list is rebuilt from the classes still open.
      for (const k of listed(lists.open(vox, false))) {
        while (index.isOpen(k)) index.take(index.freeCellOf(k));
      }
      expect(listed(lists.open(vox, true)).map(d)).toEqual(open().slice(0, 8).map(d));
    }
    expect(() => lists.setOpenShift(3)).toThrow(/after lists were built/);
  });

  it('places every tile in its own cell with the large-grid budgets too, deterministically', () => {
    const run = () => {
      const data = mulberry32(8);
      const e = createEngine(
        { cols: 12, rows: 10, cellFeatures: randomFeatures(data, 120), tint: 0.3, rng: mulberry32(4) },
        { largeClasses: 0 },
      );
      const out: Change[] = [];
      for (let id = 1; id <= 120; id++) out.push(...e.place(id, randomFeatures(data, 1)));
      const cells = e.placements().map((p) => p.row * 12 + p.col);
      expect(new Set(cells).size).toBe(120);
      return out;
    };
    const a = run();
    expect(a.some((c) => c.type === 'moved')).toBe(true);
    expect(run()).toEqual(a);
  });

  it('grows keeping every tile in its own cell, then fills the new cells', () => {
    const data = mulberry32(3);
    const e = createEngine({
      cols: 5,
      rows: 4,
      cellFeatures: randomFeatures(data, 20),
      tint: 0,
      rng: mulberry32(1),
    });
    for (let id = 1; id <= 20; id++) e.place(id, randomFeatures(data, 1));
    expect(e.isFull()).toBe(true);
    const g = e.grow(10, 8, randomFeatures(data, 80));
    expect(g.placements.map((p) => p.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(new Set(g.placements.map((p) => p.row * 10 + p.col)).size).toBe(20);
    expect(g.placements.every((p) => p.col < 10 && p.row < 8)).toBe(true);
    for (let id = 21; id <= 80; id++) e.place(id, randomFeatures(data, 1));
    expect(e.isFull()).toBe(true);
    expect(new Set(e.placements().map((p) => p.row * 10 + p.col)).size).toBe(80);
  });

  it('restores a grown, partly emptied mosaic identically and carries on identically', () => {
    const data = mulberry32(4);
    const feats = new Map<number, Float32Array>();
    const cells2 = randomFeatures(data, 4 * 30);
    const e = createEngine({
      cols: 6,
      rows: 5,
      cellFeatures: randomFeatures(data, 30),
      tint: 0.3,
      rng: mulberry32(8),
    });
    for (let id = 1; id <= 40; id++) {
      if (e.isFull()) e.grow(12, 10, cells2);
      const f = randomFeatures(data, 1);
      feats.set(id, f);
      e.place(id, f);
      if (id % 7 === 0) e.remove(id - 3);
    }
    const stored = e.placements().map((p) => ({ ...p, features: feats.get(p.id)! }));
    const r = restoreEngine({
      cols: 12,
      rows: 10,
      cellFeatures: cells2,
      tint: 0.3,
      rng: mulberry32(77),
      seq: e.seq,
      placements: stored,
    });
    expect(r.placements()).toEqual(e.placements());
    expect([r.seq, r.size, r.isFull()]).toEqual([e.seq, e.size, e.isFull()]);
  });

  it.each([
    [
      'a duplicate id',
      [
        { id: 1, col: 0, row: 0 },
        { id: 1, col: 1, row: 0 },
      ],
    ],
    [
      'a shared cell',
      [
        { id: 1, col: 0, row: 0 },
        { id: 2, col: 0, row: 0 },
      ],
    ],
    ['a cell off the grid', [{ id: 1, col: 2, row: 0 }]],
  ])('refuses to restore %s', (_, ps) => {
    const placements = ps.map((p) => ({ ...p, features: new Float32Array(FEATURE_LEN) }));
    const opts = {
      cols: 2,
      rows: 1,
      cellFeatures: new Float32Array(2 * FEATURE_LEN),
      tint: 0,
      rng: mulberry32(1),
    };
    expect(() => restoreEngine({ ...opts, placements })).toThrow();
  });
});

describe('IdMap', () => {
  it('agrees with a Map through adds, deletes and rehashes', () => {
    const rng = mulberry32(5);
    const m = new IdMap(4);
    const ref = new Map<number, number>();
    for (let i = 0; i < 20000; i++) {
      const id = 1 + Math.floor(rng() * 3000);
      if (ref.has(id) && rng() < 0.5) {
        m.delete(id);
        ref.delete(id);
      } else if (!ref.has(id)) {
        m.add(id, i);
        ref.set(id, i);
      }
      expect(m.get(id)).toBe(ref.get(id) ?? -1);
    }
    expect(m.size).toBe(ref.size);
    for (let id = 1; id <= 3000; id++) expect(m.get(id)).toBe(ref.get(id) ?? -1);
  });
});
