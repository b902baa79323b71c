import { describe, expect, it } from 'vitest';
import { createEngine, MosaicEngine, mulberry32 } from '../../shared/mosaic/index.ts';
import { draw, flat, grid } from './engineFixtures.ts';

/** Arrives tiles (one letter each, ids 1..n) and returns the engine plus every change. */
function arrive(ascii: string, tiles: string, maxMovesPerArrival?: number, seed = 7) {
  const g = grid(ascii);
  const e = new MosaicEngine({ ...g, tint: 0, rng: mulberry32(seed), maxMovesPerArrival });
  const letters = new Map<number, string>();
  const changes = [...tiles].flatMap((ch, i) => {
    letters.set(i + 1, ch);
    return e.place(i + 1, flat(ch));
  });
  return { e, changes, picture: draw(e.placements(), g.cols, g.rows, letters) };
}

describe('improving moves', () => {
  it.each([
    // The first dark photo takes the black cell; the black one arriving later takes it back.
    ['Kg', 'kK', 'Kk'],
    ['KgW', 'kKW', 'KkW'],
    ['KW\ngR', 'kKRW', 'KW\nkR'],
  ])('on %j, arrivals %s end as %j with moves, but not without', (ascii, tiles, want) => {
    const withMoves = arrive(ascii, tiles);
    const without = arrive(ascii, tiles, 0);
    expect(withMoves.picture).toBe(want);
    expect(without.picture).not.toBe(want);
    expect(withMoves.e.totalCost()).toBeLessThan(without.e.totalCost());
    expect(without.changes.every((c) => c.type === 'placed')).toBe(true);
  });

  it('reports each move as a moved change after the placed one', () => {
    const { changes } = arrive('Kg', 'kK');
    expect(changes.map((c) => [c.type, c.seq])).toEqual([
      ['placed', 1],
      ['placed', 2],
      ['moved', 3],
    ]);
    expect(changes[1]).toMatchObject({ id: 2, col: 0, row: 0 });
    expect(changes[2]).toMatchObject({ id: 1, col: 1, row: 0 });
  });

  it('never makes more moves per arrival than allowed', () => {
    const rng = mulberry32(5);
    const cols = 12;
    const rows = 10;
    const cells = new Float32Array(cols * rows * 30).map(() => rng() * 80);
    for (const cap of [0, 1, 3]) {
      const e = createEngine({
        cols,
        rows,
        cellFeatures: cells,
        tint: 0,
        rng: mulberry32(1),
        maxMovesPerArrival: cap,
      });
      for (let id = 1; id <= cols * rows; id++) {
        const changes = e.place(
          id,
          new Float32Array(30).map(() => rng() * 80),
        );
        expect(changes.length - 1).toBeLessThanOrEqual(cap);
      }
    }
  });

  it('ends cheaper with moves than without on a random arrival order', () => {
    const rng = mulberry32(11);
    const cols = 20;
    const rows = 15;
    const cells = new Float32Array(cols * rows * 30).map(() => rng() * 90);
    const tiles = Array.from({ length: cols * rows }, () => new Float32Array(30).map(() => rng() * 90));
    const cost = (maxMovesPerArrival: number) => {
      const e = new MosaicEngine({
        cols,
        rows,
        cellFeatures: cells,
        tint: 0,
        rng: mulberry32(2),
        maxMovesPerArrival,
      });
      tiles.forEach((t, i) => {
        e.place(i + 1, t);
      });
      return e.totalCost();
    };
    expect(cost(6)).toBeLessThan(cost(0) * 0.97);
  });
});

describe('online Hungarian steps', () => {
  /** The least total cost over every one-to-one assignment (n! permutations). */
  function bruteForceOptimum(cost: (tile: number, cell: number) => number, n: number): number {
    let best = Infinity;
    const perm = Array.from({ length: n }, (_, i) => i);
    const walk = (k: number, sum: number) => {
      if (sum >= best) return;
      if (k === n) {
        best = sum;
        return;
      }
      for (let i = k; i < n; i++) {
        [perm[k], perm[i]] = [perm[i]!, perm[k]!];
        walk(k + 1, sum + cost(k, perm[k]!));
        [perm[k], perm[i]] = [perm[i]!, perm[k]!];
      }
    };
    walk(0, 0);
    return best;
  }

  it.each([1, 2, 3, 4, 5])(
    'with unbounded budgets, a full grid ends at the offline optimum (seed %i)',
    (seed) => {
      const rng = mulberry32(seed);
      const cols = 4;
      const rows = 2;
      const n = cols * rows;
      const cells = new Float32Array(n * 30).map(
        (_, i) => (i % 3 === 0 ? 100 : 120) * rng() - (i % 3 === 0 ? 0 : 60),
      );
      const tiles = Array.from({ length: n }, () =>
        new Float32Array(30).map((_, i) => (i % 3 === 0 ? 100 : 120) * rng() - (i % 3 === 0 ? 0 : 60)),
      );
      const unbounded = {
        searchPops: 10_000,
        membersPerClass: 100,
        epsilon: 0,
        leafBudget: Infinity,
        maxMoves: 100,
      };
      const e = new MosaicEngine({ cols, rows, cellFeatures: cells, tint: 0, rng: mulberry32(9) }, unbounded);
      tiles.forEach((t, i) => {
        e.place(i + 1, t);
      });
      // The same cost the engine uses, through a 1-cell engine per pair.
      const pair = (t: number, c: number) => {
        const one = new MosaicEngine(
          {
            cols: 1,
            rows: 1,
            cellFeatures: cells.subarray(c * 30, c * 30 + 30),
            tint: 0,
            rng: mulberry32(1),
          },
          unbounded,
        );
        one.place(1, tiles[t]!);
        return one.totalCost();
      };
      expect(e.totalCost()).toBeCloseTo(bruteForceOptimum(pair, n), 3);
      const greedy = new MosaicEngine({
        cols,
        rows,
        cellFeatures: cells,
        tint: 0,
        rng: mulberry32(9),
        maxMovesPerArrival: 0,
      });
      tiles.forEach((t, i) => {
        greedy.place(i + 1, t);
      });
      expect(greedy.totalCost()).toBeGreaterThanOrEqual(e.totalCost() - 1e-9);
    },
  );
});
