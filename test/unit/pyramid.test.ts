import { describe, expect, it } from 'vitest';
import {
  cellsUnder,
  iiifScaleFactors,
  iiifTileAt,
  iiifTileName,
  levelCellPx,
  levelSize,
  levelTiles,
  type Pyramid,
  pyramidOf,
  tileRect,
} from '../../shared/mosaic/pyramid.ts';

const p8 = pyramidOf(8, 8); // 4096 x 4096
const p5x3 = pyramidOf(5, 3); // 2560 x 1536

describe('the pyramid of a grid', () => {
  it.each([
    [8, 8, 512, 4096, 4096, 12],
    [5, 3, 512, 2560, 1536, 12],
    [1, 1, 512, 512, 512, 9],
    [40, 32, 512, 20480, 16384, 15],
    [100, 100, 256, 25600, 25600, 15],
    [1000, 1000, 32, 32000, 32000, 15],
  ])('%i x %i cells: %i px per cell, %i x %i px, deepest level %i', (cols, rows, cellPx, w, h, max) => {
    expect(pyramidOf(cols, rows)).toEqual({ cols, rows, cellPx, width: w, height: h, maxLevel: max });
  });

  it.each([
    [p5x3, 12, 2560, 1536, 10, 6, 512],
    [p5x3, 11, 1280, 768, 5, 3, 256],
    [p5x3, 3, 5, 3, 1, 1, 1],
    [p5x3, 2, 3, 2, 1, 1, 0.5],
    [p5x3, 1, 2, 1, 1, 1, 0.25],
    [p5x3, 0, 1, 1, 1, 1, 0.125],
  ] as [Pyramid, number, number, number, number, number, number][])(
    'level %#: %i is %i x %i px in %i x %i tiles',
    (p, level, w, h, tc, tr, px) => {
      expect(levelSize(p, level)).toEqual({ width: w, height: h });
      expect(levelTiles(p, level)).toEqual({ cols: tc, rows: tr });
      expect(levelCellPx(p, level)).toBe(px);
    },
  );

  it.each([
    [12, 0, 0, { x: 0, y: 0, width: 256, height: 256 }],
    [12, 9, 5, { x: 2304, y: 1280, width: 256, height: 256 }],
    [10, 2, 1, { x: 512, y: 256, width: 128, height: 128 }],
    [9, 1, 0, { x: 256, y: 0, width: 64, height: 192 }],
    [0, 0, 0, { x: 0, y: 0, width: 1, height: 1 }],
  ])('level %i tile %i_%i covers %j', (level, col, row, rect) => {
    expect(tileRect(p5x3, level, col, row)).toEqual(rect);
  });

  it.each([
    [13, 0, 0],
    [-1, 0, 0],
    [12, 10, 0],
    [12, 0, 6],
    [12, -1, 0],
    [1.5, 0, 0],
    [12, 0.5, 0],
  ])('has no tile %s/%s_%s', (level, col, row) => {
    expect(tileRect(p5x3, level, col, row)).toBeNull();
  });

  it.each([
    [{ x: 0, y: 0, width: 256, height: 256 }, 512, { col: 0, row: 0, cols: 1, rows: 1 }],
    [{ x: 2304, y: 1280, width: 256, height: 256 }, 512, { col: 4, row: 2, cols: 1, rows: 1 }],
    [{ x: 256, y: 0, width: 64, height: 192 }, 64, { col: 4, row: 0, cols: 1, rows: 3 }],
    [{ x: 0, y: 0, width: 5, height: 3 }, 1, { col: 0, row: 0, cols: 5, rows: 3 }],
    [{ x: 0, y: 0, width: 3, height: 2 }, 0.5, { col: 0, row: 0, cols: 5, rows: 3 }],
  ])('the cells under %j at %i px per cell are %j', (rect, px, cells) => {
    expect(cellsUnder(p5x3, rect, px)).toEqual(cells);
  });
});

describe('IIIF names of the tiles', () => {
  it('lists scale factors down to one tile', () => {
    expect(iiifScaleFactors(p5x3)).toEqual([1, 2, 4, 8, 16]);
    expect(iiifScaleFactors(pyramidOf(1, 1))).toEqual([1, 2]);
  });

  it.each([
    [p5x3, 12, 0, 0, '0,0,256,256', '256,256'],
    [p5x3, 12, 9, 5, '2304,1280,256,256', '256,256'],
    [p5x3, 11, 4, 2, '2048,1024,512,512', '256,256'],
    [p5x3, 9, 1, 0, '2048,0,512,1536', '64,192'],
    [p5x3, 8, 0, 0, 'full', '160,96'],
    [pyramidOf(1, 1), 9, 1, 1, '256,256,256,256', '256,256'],
    [pyramidOf(1, 1), 8, 0, 0, 'full', '256,256'],
  ] as [Pyramid, number, number, number, string, string][])(
    'tile %#: %i/%i_%i is %s/%s',
    (p, level, col, row, region, size) => {
      expect(iiifTileName(p, level, col, row)).toEqual({ region, size });
      expect(iiifTileAt(p, region, size)).toEqual({ level, col, row });
    },
  );

  it('names every tile of every listed scale factor, and back', () => {
    for (const p of [p5x3, p8, pyramidOf(3, 7)]) {
      for (const s of iiifScaleFactors(p)) {
        const level = p.maxLevel - Math.log2(s);
        const n = levelTiles(p, level);
        for (let row = 0; row < n.rows; row++)
          for (let col = 0; col < n.cols; col++) {
            const { region, size } = iiifTileName(p, level, col, row);
            expect(iiifTileAt(p, region, size)).toEqual({ level, col, row });
            expect(iiifTileAt(p, region, `${size.split(',')[0]},`)).toEqual({ level, col, row });
          }
      }
    }
  });

  it('takes max for a one-tile image at full size', () => {
    const tiny = { cols: 1, rows: 1, cellPx: 128, width: 128, height: 128, maxLevel: 7 };
    expect(iiifTileAt(tiny, 'full', 'max')).toEqual({ level: 7, col: 0, row: 0 });
  });

  it.each([
    ['0,0,256,256', '128,128'],
    ['1,0,256,256', '256,256'],
    ['0,0,256,255', '256,256'],
    ['0,0,512,512', '512,512'],
    ['full', 'max'],
    ['full', '5,3'],
    ['pct:0,0,10,10', '256,256'],
    ['0,0,256,256', '^256,256'],
    ['0,0,256,256', 'pct:50'],
    ['0,0,256,256', '!256,256'],
    ['00,0,256,256', '256,256'],
  ])('refuses %s/%s, which the level-0 service does not list', (region, size) => {
    expect(iiifTileAt(p5x3, region, size)).toBeNull();
  });
});
