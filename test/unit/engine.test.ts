import { describe, expect, it } from 'vitest';
import { type Change, createEngine, mulberry32, restoreEngine } from '../../shared/mosaic/index.ts';
import { draw, flat, grid } from './engineFixtures.ts';

function engineFor(ascii: string, seed = 1) {
  return createEngine({ ...grid(ascii), tint: 0.3, rng: mulberry32(seed) });
}

describe('placement engine', () => {
  it.each([
    ['KW RG', 'R', { col: 0, row: 1 }],
    ['KW RG', 'W', { col: 1, row: 0 }],
    ['KWB gYR', 'Y', { col: 1, row: 1 }],
    ['KWB gYR', 'k', { col: 0, row: 0 }],
  ])('puts a lone %s tile %s in the best cell', (ascii, letter, where) => {
    const e = engineFor(ascii);
    const [c] = e.place(1, flat(letter));
    expect(c).toMatchObject({ type: 'placed', id: 1, seq: 1, ...where });
  });

  it.each([
    ['R', 'g', 0.3, (t: { r: number; g: number; b: number }) => t.r > 0 && t.g < 0 && t.b < 0],
    ['K', 'W', 0.5, (t: { r: number; g: number; b: number }) => t.r < 0 && t.g < 0 && t.b < 0],
    ['R', 'g', 0, (t: { r: number; g: number; b: number }) => t.r === 0 && t.g === 0 && t.b === 0],
  ])('records the tint toward a %s cell for a %s tile at strength %d', (cell, tile, tint, ok) => {
    const e = createEngine({ ...grid(cell), tint, rng: mulberry32(1) });
    const [c] = e.place(1, flat(tile));
    expect(c && 'tint' in c && ok(c.tint)).toBe(true);
    expect(e.get(1)?.tint).toEqual(c && 'tint' in c ? c.tint : undefined);
  });

  it('fills a grid with its own colours exactly', () => {
    const ascii = 'KWR\nGBY';
    const e = engineFor(ascii);
    const letters = new Map<number, string>();
    [...'YBGRWK'].forEach((ch, i) => {
      letters.set(i + 1, ch);
      e.place(i + 1, flat(ch));
    });
    expect(e.isFull()).toBe(true);
    expect(draw(e.placements(), e.cols, e.rows, letters)).toBe(ascii);
  });

  it('numbers every change with the next sequence number', () => {
    const e = createEngine({ ...grid('KW'), tint: 0, rng: mulberry32(1), seq: 41 });
    const changes: Change[] = [...e.place(7, flat('K')), ...e.place(8, flat('W'))];
    const removed = e.remove(7);
    expect(removed).toMatchObject({ type: 'removed', id: 7, col: 0, row: 0 });
    changes.push(removed!);
    expect(changes.map((c) => c.seq)).toEqual(changes.map((_, i) => 42 + i));
    expect(e.seq).toBe(41 + changes.length);
  });

  it('frees the cell on removal, so the next fitting tile takes it', () => {
    const e = engineFor('KW');
    e.place(1, flat('K'));
    e.place(2, flat('W'));
    expect(e.isFull()).toBe(true);
    expect(e.remove(1)).not.toBeNull();
    expect(e.isFull()).toBe(false);
    expect(e.get(1)).toBeUndefined();
    expect(e.remove(1)).toBeNull();
    expect(e.place(3, flat('k'))[0]).toMatchObject({ col: 0, row: 0 });
  });

  it('refuses a known id and a full mosaic', () => {
    const e = engineFor('K');
    e.place(1, flat('K'));
    expect(() => e.place(1, flat('K'))).toThrow();
    expect(() => e.place(2, flat('K'))).toThrow();
  });

  it('keeps every tile when it grows', () => {
    const e = engineFor('KW RG');
    [...'KWRG'].forEach((ch, i) => {
      e.place(i + 1, flat(ch));
    });
    const big = grid('KKWW KKWW RRGG RRGG');
    const g = e.grow(big.cols, big.rows, big.cellFeatures);
    expect(g).toMatchObject({ type: 'grown', cols: 4, rows: 4, seq: 5 });
    expect(g.placements.map((p) => p.id).sort()).toEqual([1, 2, 3, 4]);
    const cells = new Set(g.placements.map((p) => p.row * 4 + p.col));
    expect(cells.size).toBe(4);
    const letters = new Map([...'KWRG'].map((ch, i) => [i + 1, ch]));
    for (const p of g.placements) {
      const want = { K: [0, 1], W: [2, 3], R: [0, 1], G: [2, 3] }[letters.get(p.id)!];
      expect(want).toContain(p.col);
    }
    expect(e.isFull()).toBe(false);
    expect(e.size).toBe(4);
  });

  it('rebuilds the identical state from stored placements', () => {
    const g = grid('KWRG BYgk');
    const e = createEngine({ ...g, tint: 0.3, rng: mulberry32(3) });
    const feats = new Map<number, Float32Array>();
    [...'gkYBRWGK'].forEach((ch, i) => {
      feats.set(i + 1, flat(ch));
      e.place(i + 1, flat(ch));
    });
    const stored = e
      .placements()
      .map((p) => ({ id: p.id, col: p.col, row: p.row, features: feats.get(p.id)! }));
    const r = restoreEngine({ ...g, tint: 0.3, rng: mulberry32(3), seq: e.seq, placements: stored });
    const byId = (ps: { id: number }[]) => [...ps].sort((a, b) => a.id - b.id);
    expect(byId(r.placements())).toEqual(byId(e.placements()));
    expect(r.seq).toBe(e.seq);
    expect(r.size).toBe(e.size);
    // Both carry on identically from here.
    expect(r.remove(8)).toEqual(e.remove(8));
    expect(r.place(99, flat('K'))).toEqual(e.place(99, flat('K')));
    expect(r.get(99)).toMatchObject({ col: 0, row: 0 });
  });
});
