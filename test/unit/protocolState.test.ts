import { describe, expect, it } from 'vitest';
import {
  decodeLayout,
  encodeFrame,
  type FrameTile,
  LiveMosaic,
  rgb565To24,
  rgbTo565,
  tintedRgb,
  type WireChange,
} from '../../shared/protocol.ts';

const rgb: [number, number, number] = [10, 20, 30];
const t0 = { r: 0, g: 0, b: 0 };

function snapshot(
  seq: number,
  cols: number,
  rows: number,
  tiles: FrameTile[],
  kind: 'snapshot' | 'grown' = 'snapshot',
) {
  return decodeLayout(encodeFrame({ kind, seq, cols, rows, tiles }));
}

/** The grid as ASCII: one character per cell, '.' empty, else the tile id. */
function ascii(m: LiveMosaic): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) {
    let line = '';
    for (let c = 0; c < m.cols; c++) line += m.cellId[r * m.cols + c] || '.';
    lines.push(line);
  }
  return lines.join('\n');
}

function placed(seq: number, id: number, col: number, row: number): WireChange {
  return { type: 'placed', seq, id, col, row, tint: { r: 5, g: -5, b: 0 }, rgb: 0x0a141e };
}

describe('LiveMosaic', () => {
  it('reports a gap until it has a snapshot', () => {
    const m = new LiveMosaic();
    expect(m.applyChanges([placed(1, 1, 0, 0)])).toMatchObject({ status: 'gap' });
  });

  it('applies a snapshot then placed, moved and removed changes', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(10, 3, 2, [{ id: 1, col: 0, row: 0, tint: t0, rgb }]));
    expect(ascii(m)).toBe('1..\n...');
    const r = m.applyChanges([
      placed(11, 2, 2, 1),
      { type: 'moved', seq: 12, id: 1, col: 1, row: 0, tint: t0, rgb: 0x0a141e },
      { type: 'removed', seq: 13, id: 2, col: 2, row: 1 },
    ]);
    expect(r).toMatchObject({ status: 'applied', applied: 3, duplicates: 0 });
    expect(ascii(m)).toBe('.1.\n...');
    expect(m.seq).toBe(13);
    expect(m.size).toBe(1);
  });

  it('applies an improving swap as two moves', () => {
    const m = new LiveMosaic();
    m.applyLayout(
      snapshot(1, 2, 1, [
        { id: 1, col: 0, row: 0, tint: t0, rgb },
        { id: 2, col: 1, row: 0, tint: t0, rgb },
      ]),
    );
    m.applyChanges([
      { type: 'moved', seq: 2, id: 1, col: 1, row: 0, tint: t0, rgb: 0 },
      { type: 'moved', seq: 3, id: 2, col: 0, row: 0, tint: t0, rgb: 0 },
    ]);
    expect(ascii(m)).toBe('21');
    expect(m.size).toBe(2);
  });

  it('skips duplicates and stops at a gap, keeping what came before it', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(5, 4, 1, []));
    expect(m.applyChanges([placed(4, 9, 0, 0), placed(5, 9, 0, 0), placed(6, 1, 0, 0)])).toMatchObject({
      status: 'applied',
      applied: 1,
      duplicates: 2,
    });
    expect(m.applyChanges([placed(7, 2, 1, 0), placed(9, 3, 2, 0)])).toMatchObject({
      status: 'gap',
      expected: 8,
      got: 9,
      applied: 1,
    });
    expect(ascii(m)).toBe('12..');
    expect(m.seq).toBe(7);
  });

  it('applies a growth only as the next change', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(3, 1, 1, [{ id: 1, col: 0, row: 0, tint: t0, rgb }]));
    const grown = snapshot(5, 2, 2, [{ id: 1, col: 1, row: 1, tint: t0, rgb }], 'grown');
    expect(m.applyLayout(grown)).toMatchObject({ status: 'gap', expected: 4 });
    const next = snapshot(4, 2, 2, [{ id: 1, col: 1, row: 1, tint: t0, rgb }], 'grown');
    expect(m.applyLayout(next)).toMatchObject({ status: 'applied', relaid: true });
    expect(ascii(m)).toBe('..\n.1');
    expect(m.applyLayout(next)).toMatchObject({ status: 'applied', duplicates: 1 });
  });

  it('refuses a change outside the grid', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(0, 2, 2, []));
    expect(m.applyChanges([placed(1, 1, 2, 0)])).toMatchObject({ status: 'invalid' });
    expect(m.seq).toBe(0);
  });

  it('gives the far-out colour as the tinted mean, clamped', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(0, 1, 1, []));
    m.applyChanges([
      { type: 'placed', seq: 1, id: 1, col: 0, row: 0, tint: { r: 100, g: -50, b: 0 }, rgb: 0xc81e0a },
    ]);
    expect(m.farColour(0)).toBe(0xff0008); // 0x0a is 0x08 at RGB565 precision
    expect(tintedRgb(0x000000, -1, 0, 1)).toBe(0x000001);
  });

  it('tracks ids past the dense range and after the dense index grows', () => {
    const m = new LiveMosaic();
    m.applyLayout(snapshot(0, 3, 1, [{ id: 4_000_000_000, col: 0, row: 0, tint: t0, rgb }]));
    m.applyChanges([placed(1, 5000, 1, 0), placed(2, 3, 2, 0)]);
    expect([m.cellOfTile(4_000_000_000), m.cellOfTile(5000), m.cellOfTile(3)]).toEqual([0, 1, 2]);
    m.applyChanges([{ type: 'removed', seq: 3, id: 4_000_000_000, col: 0, row: 0 }]);
    expect(m.cellOfTile(4_000_000_000)).toBeUndefined();
    expect(m.size).toBe(2);
  });

  it('decodes a malformed frame with the later tile winning, for a snapshot and a growth', () => {
    const tiles: FrameTile[] = [
      { id: 7, col: 2, row: 1, tint: { r: 40, g: -40, b: 3 }, rgb: [200, 100, 50] },
      { id: 4_000_000_000, col: 0, row: 0, tint: { r: -300, g: 0, b: 300 }, rgb: [1, 2, 3] },
      { id: 70_000, col: 1, row: 2, tint: t0, rgb: [255, 255, 255] },
      // Malformed on purpose: tile 9 lands in tile 7's cell, then tile 70000 appears twice.
      { id: 9, col: 2, row: 1, tint: t0, rgb },
      { id: 70_000, col: 0, row: 2, tint: t0, rgb },
    ];
    for (const kind of ['snapshot', 'grown'] as const) {
      const m = new LiveMosaic();
      if (kind === 'grown') m.applyLayout(snapshot(11, 1, 1, []));
      const r = m.applyLayout(decodeLayout(encodeFrame({ kind, seq: 12, cols: 3, rows: 3, tiles })));
      expect(r).toEqual({ status: 'applied', applied: 1, duplicates: 0, cells: [], relaid: true });
      expect([m.cols, m.rows, m.seq, m.size]).toEqual([3, 3, 12, 3]);
      expect(ascii(m).replace('4000000000', 'B').replace('70000', 'S')).toBe('B..\n..9\nS..');
      expect([7, 9, 70_000, 4_000_000_000].map((id) => m.cellOfTile(id))).toEqual([undefined, 5, 6, 0]);
      expect([...m.cellTint.subarray(0, 3)]).toEqual([-300, 0, 300]);
      expect(m.cellRgb[0]).toBe(rgb565To24(rgbTo565(1, 2, 3)));
      // It goes on from there.
      expect(m.applyChanges([placed(13, 5, 1, 1)])).toMatchObject({ status: 'applied', cells: [4] });
      expect(m.cellOfTile(5)).toBe(4);
    }
    const m = new LiveMosaic();
    m.applyLayout(snapshot(3, 1, 1, []));
    const late = decodeLayout(encodeFrame({ kind: 'grown', seq: 5, cols: 2, rows: 1, tiles: [] }));
    expect(m.applyLayout(late)).toMatchObject({ status: 'gap', expected: 4 });
  });
});
