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
