import { describe, expect, it } from 'vitest';
import { fitCamera } from '../../client/render/camera.ts';
import {
  colourLevelFor,
  planColour,
  planRegions,
  REGION_CELLS,
  regionBlock,
  regionOfCell,
} from '../../client/render/pyramidPlan.ts';
import {
  COLOUR_TILE,
  colourPyramidOf,
  colourTileKey,
  colourTileOfKey,
  hasColourTile,
  renderColourTile,
  tilesOfCell,
  tileVersion,
} from '../../shared/mosaic/colourPyramid.ts';
import { encodeCellsFrame, LiveMosaic, type WireChange } from '../../shared/protocol.ts';

const phone = { width: 390, height: 844 };

describe('the colour pyramid', () => {
  it.each([
    [40, 40, 0, 1, 1],
    [256, 256, 0, 1, 1],
    [257, 100, 1, 2, 1],
    [1000, 1000, 2, 4, 4],
    [4096, 2048, 4, 16, 8],
  ])('%ix%i has top level %i and %ix%i blocks', (cols, rows, top, bc, br) => {
    expect(colourPyramidOf(cols, rows)).toEqual({ cols, rows, top, blockCols: bc, blockRows: br });
  });

  it('a change invalidates one tile per level: the ancestors of its cell', () => {
    const p = colourPyramidOf(1000, 1000);
    expect(tilesOfCell(p, 700, 300)).toEqual([
      { level: 0, tx: 2, ty: 1 },
      { level: 1, tx: 1, ty: 0 },
      { level: 2, tx: 0, ty: 0 },
    ]);
    for (const t of tilesOfCell(p, 999, 999)) expect(hasColourTile(p, t)).toBe(true);
    expect(hasColourTile(p, { level: 3, tx: 0, ty: 0 })).toBe(false);
    expect(hasColourTile(p, { level: 0, tx: 4, ty: 0 })).toBe(false);
  });

  it('a tile key names its tile and back', () => {
    for (const t of [
      { level: 0, tx: 0, ty: 0 },
      { level: 3, tx: 12, ty: 7 },
      { level: 10, tx: 1023, ty: 511 },
    ]) {
      expect(colourTileKey(t)).toBe(`${t.level}/${t.tx}_${t.ty}`);
      expect(colourTileOfKey(colourTileKey(t))).toEqual(t);
    }
  });

  it('a tile takes the newest version of the blocks under it', () => {
    const p = colourPyramidOf(1000, 1000);
    const v = new Uint32Array(16).fill(5);
    v[1 * 4 + 2] = 90; // block (2, 1)
    expect(tileVersion(p, v, { level: 0, tx: 2, ty: 1 })).toBe(90);
    expect(tileVersion(p, v, { level: 0, tx: 1, ty: 1 })).toBe(5);
    expect(tileVersion(p, v, { level: 1, tx: 1, ty: 0 })).toBe(90);
    expect(tileVersion(p, v, { level: 1, tx: 0, ty: 1 })).toBe(5);
    expect(tileVersion(p, v, { level: 2, tx: 0, ty: 0 })).toBe(90);
  });

  it('renders the mean colour and the filled share of the cells under each pixel', () => {
    const p = colourPyramidOf(4, 4);
    // Cells (0,0) red and (1,0) blue; the rest empty.
    const colour = (cell: number) => (cell === 0 ? 0xff0000 : cell === 1 ? 0x0000ff : -1);
    const l0 = renderColourTile(p, { level: 0, tx: 0, ty: 0 }, colour);
    expect([...l0.subarray(0, 8)]).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    expect(l0[2 * 4 + 3]).toBe(0);
    expect(l0.length).toBe(COLOUR_TILE * COLOUR_TILE * 4);
    const p2 = { ...p, top: 1 };
    const l1 = renderColourTile(p2, { level: 1, tx: 0, ty: 0 }, colour);
    // One pixel per 2x2 cells: purple, half filled.
    expect([...l1.subarray(0, 4)]).toEqual([128, 0, 128, 128]);
  });
});

describe('the pyramid planner', () => {
  const p = colourPyramidOf(1000, 1000);
  const versions = new Uint32Array(16).fill(7);

  it('picks the coarsest level whose pixels are no bigger than a CSS pixel', () => {
    expect(colourLevelFor(p, 0.2)).toBe(2);
    expect(colourLevelFor(p, 0.374)).toBe(1);
    expect(colourLevelFor(p, 0.6)).toBe(0);
    expect(colourLevelFor(p, 30)).toBe(0);
    expect(colourLevelFor(p, 0.0001)).toBe(2);
  });

  it('a phone showing the whole million-tile mosaic needs the four level-1 tiles and no cells', () => {
    const cam = fitCamera(1000, 1000, phone);
    const plan = planColour(p, versions, cam, phone);
    expect(plan.level).toBe(1);
    expect(plan.tiles.map((t) => t.key).sort()).toEqual(['1/0_0', '1/0_1', '1/1_0', '1/1_1']);
    expect(plan.top).toMatchObject({ key: '2/0_0', x: 0, y: 0, size: 1024, version: 7 });
    expect(planRegions(cam, phone, 1000, 1000, () => false)).toEqual([]);
  });

  it('zoomed in, it needs the level-0 tiles in view and the blocks of cells there, nearest first', () => {
    const cam = { scale: 12, cx: 600.5, cy: 300.5 };
    const plan = planColour(p, versions, cam, phone);
    expect(plan.level).toBe(0);
    expect(plan.tiles.map((t) => t.key)).toEqual(['0/2_1']);
    const have = new Set([regionOfCell(1000, 600, 300)]);
    const need = planRegions(cam, phone, 1000, 1000, (b) => have.has(b));
    expect(need.length).toBeGreaterThan(0);
    expect(need).not.toContain(regionOfCell(1000, 600, 300));
    // 390x844 px at 12 px a cell is 33x71 cells: at most 3x4 blocks of 32.
    expect(need.length).toBeLessThanOrEqual(12);
    for (const b of need) {
      const r = regionBlock(1000, 1000, b);
      expect(r.col % REGION_CELLS).toBe(0);
      expect(Math.abs(r.col + 16 - 600)).toBeLessThan(64);
    }
  });

  it('blocks at the grid edge are cut short', () => {
    expect(regionBlock(100, 70, regionOfCell(100, 99, 69))).toEqual({ col: 96, row: 64, cols: 4, rows: 6 });
  });
});

describe('a mosaic held a block at a time', () => {
  const full = () => {
    const m = new LiveMosaic();
    m.applyGeometry({ cols: 64, rows: 64, seq: 0, size: 0 });
    m.partial = false;
    return m;
  };

  it('fills a block from a region frame and brings an older one forward with the recent changes', () => {
    // The server's copy: three tiles, then a move and a removal.
    const server = full();
    const placed = (seq: number, id: number, col: number, row: number): WireChange => ({
      type: 'placed',
      seq,
      id,
      col,
      row,
      tint: { r: 0, g: 0, b: 0 },
      rgb: 0x336699,
    });
    const early = [placed(1, 1, 1, 1), placed(2, 2, 2, 2), placed(3, 3, 40, 40)];
    server.applyChanges(early);
    const frame = encodeCellsFrame('snapshot', server, { col: 0, row: 0, cols: 32, rows: 32 });

    const viewer = new LiveMosaic();
    viewer.applyGeometry({ cols: 64, rows: 64, seq: 3, size: 3 });
    const later: WireChange[] = [
      { type: 'moved', seq: 4, id: 1, col: 5, row: 5, tint: { r: 0, g: 0, b: 0 }, rgb: 0x336699 },
      { type: 'removed', seq: 5, id: 2, col: 2, row: 2 },
    ];
    expect(viewer.applyChanges(later).status).toBe('applied');
    expect(viewer.size).toBe(2);
    const cells = viewer.applyRegion(frame, { col: 0, row: 0, cols: 32, rows: 32 }, later);
    expect(cells).not.toBeNull();
    expect(viewer.cellId[5 * 64 + 5]).toBe(1);
    expect(viewer.cellId[1 * 64 + 1]).toBe(0);
    expect(viewer.cellId[2 * 64 + 2]).toBe(0);
    // Outside the block: unknown, not loaded.
    expect(viewer.cellId[40 * 64 + 40]).toBe(0);
    // A frame older than the recent changes reach is refused.
    expect(viewer.applyRegion(frame, { col: 0, row: 0, cols: 32, rows: 32 }, later.slice(1))).toBeNull();
  });
});
