import { describe, expect, it } from 'vitest';
import {
  clampCamera,
  fitCamera,
  interpolateCamera,
  screenToWorld,
  visibleCells,
  worldToScreen,
  zoomAt,
} from '../../client/render/camera.ts';
import { paintCells } from '../../client/render/cellPaint.ts';
import { applyTint, blocksInView, photoSizeFor, planAtlases, planPhotos } from '../../client/render/lod.ts';
import { tintedRgb } from '../../shared/protocol.ts';

const view = { width: 1280, height: 800 };

describe('camera', () => {
  it('fits the whole mosaic in the view, centred', () => {
    const c = fitCamera(1000, 1000, view);
    expect(c.cx).toBe(500);
    expect(c.scale * 1000).toBeLessThanOrEqual(800);
    const v = visibleCells(c, view, 1000, 1000);
    expect(v).toEqual({ c0: 0, r0: 0, c1: 1000, r1: 1000 });
  });

  it('keeps the world point under the cursor fixed while zooming', () => {
    const c = fitCamera(100, 80, view);
    const before = screenToWorld(c, 300, 200, view);
    const z = zoomAt(c, 3.7, 300, 200, view);
    const after = screenToWorld(z, 300, 200, view);
    expect(after[0]).toBeCloseTo(before[0], 9);
    expect(after[1]).toBeCloseTo(before[1], 9);
  });

  it('maps screen to world and back', () => {
    const c = { scale: 42, cx: 12.5, cy: 7.25 };
    const [x, y] = worldToScreen(c, ...screenToWorld(c, 123, 456, view), view);
    expect(x).toBeCloseTo(123, 9);
    expect(y).toBeCloseTo(456, 9);
  });

  it('clamps zoom between a bit under the overview and the closest zoom', () => {
    expect(clampCamera({ scale: 1e6, cx: 5, cy: 5 }, 10, 10, view, 640).scale).toBe(640);
    const fit = fitCamera(10, 10, view).scale;
    expect(clampCamera({ scale: 1e-6, cx: 5, cy: 5 }, 10, 10, view, 640).scale).toBeCloseTo(fit * 0.8, 9);
    expect(clampCamera({ scale: 50, cx: -40, cy: 99 }, 10, 10, view, 640)).toMatchObject({ cx: 0, cy: 10 });
  });

  it('flies from one camera to another, ending exactly there', () => {
    const a = { scale: 1, cx: 0, cy: 0 };
    const b = { scale: 300, cx: 900, cy: 10 };
    expect(interpolateCamera(a, b, 0)).toEqual(a);
    const end = interpolateCamera(a, b, 1);
    expect(end.scale).toBeCloseTo(300, 6);
    expect(end.cx).toBeCloseTo(900, 9);
  });
});

describe('level of detail', () => {
  it.each([
    [10, 0],
    [47.9, 0],
    [48, 128],
    [179, 128],
    [180, 512],
    [2000, 512],
  ])('at %d device px per cell draws photos of %d px', (px, size) => {
    expect(photoSizeFor(px)).toBe(size);
  });

  it('lists the atlas blocks in view, nearest the centre first', () => {
    const b = blocksInView(0, 0, 40, 20);
    expect(b).toHaveLength(3 * 2);
    expect(new Set(b.map(([x, y]) => `${x},${y}`))).toEqual(
      new Set(['0,0', '1,0', '2,0', '0,1', '1,1', '2,1']),
    );
    expect(b[0]).toEqual([1, 0]);
  });

  it('plans atlases only from their zoom, nearest the centre first, and says when a view needs more than it may draw', () => {
    const v = { c0: 0, r0: 0, c1: 40, r1: 20 };
    expect(planAtlases(9.9, v)).toEqual({ blocks: [], all: false });
    const plan = planAtlases(12, v);
    expect(plan.all).toBe(true);
    expect(plan.blocks).toEqual(blocksInView(0, 0, 40, 20));
    const capped = planAtlases(12, v, 4);
    expect(capped).toEqual({ blocks: blocksInView(0, 0, 40, 20).slice(0, 4), all: false });
  });

  it('plans photos of the filled cells in view, nearest the centre first, full only when every cell is drawn', () => {
    const cols = 10;
    const v = { c0: 2, r0: 2, c1: 5, r1: 5 };
    const none = new Set<number>();
    const filled = (empty: Set<number>) => (c: number) => !empty.has(c);
    expect(planPhotos(47, v, cols, filled(none))).toEqual({ size: 0, cells: [], full: false });
    const all = planPhotos(60, v, cols, filled(none));
    expect(all.size).toBe(128);
    expect(all.full).toBe(true);
    expect(all.cells).toHaveLength(9);
    expect(all.cells[0]).toBe(3 * cols + 3);
    expect(new Set(all.cells)).toEqual(new Set([22, 23, 24, 32, 33, 34, 42, 43, 44]));
    const holed = planPhotos(200, v, cols, filled(new Set([33])));
    expect(holed).toMatchObject({ size: 512, full: false });
    expect(holed.cells).not.toContain(33);
    expect(holed.cells).toHaveLength(8);
    const capped = planPhotos(60, v, cols, filled(none), 5);
    expect(capped.full).toBe(false);
    expect(capped.cells).toEqual(all.cells.slice(0, 5));
  });

  it('adds a tint to pixels, clamped, leaving alpha alone', () => {
    const px = new Uint8Array([10, 250, 100, 77, 0, 0, 0, 255]);
    applyTint(px, -20, 10, 5);
    expect([...px]).toEqual([0, 255, 105, 77, 0, 10, 5, 255]);
  });
});

describe('cell painting', () => {
  it('paints a chunk of a layout in one pass exactly as the tinted colour of each cell', () => {
    // 1100 columns, painted as two chunks side by side; tints that saturate both ways.
    const cols = 1100;
    const rows = 3;
    const n = cols * rows;
    const m = {
      cols,
      cellId: new Uint32Array(n),
      cellRgb: new Uint32Array(n),
      cellTint: new Int16Array(3 * n),
    };
    for (let c = 0; c < n; c++) {
      m.cellId[c] = c % 7 === 0 ? 0 : c + 1;
      m.cellRgb[c] = (c * 2654435761) >>> 8;
      m.cellTint[3 * c] = (c % 90) - 45;
      m.cellTint[3 * c + 1] = c % 11 === 0 ? 300 : -3;
      m.cellTint[3 * c + 2] = c % 13 === 0 ? -300 : 5;
    }
    const chunks = [
      { x: 0, w: 1024 },
      { x: 1024, w: 76 },
    ].map(({ x, w }) => {
      const data = new Uint8Array(w * rows * 4).fill(7);
      paintCells(data, x, 0, w, rows, m);
      return { x, w, data };
    });
    let saturated = 0;
    for (let c = 0; c < n; c++) {
      const col = c % cols;
      const row = Math.floor(c / cols);
      const ch = chunks[col < 1024 ? 0 : 1]!;
      const i = (row * ch.w + col - ch.x) * 4;
      const got = [...ch.data.subarray(i, i + 4)];
      if (!m.cellId[c]) {
        expect(got).toEqual([0, 0, 0, 0]);
        continue;
      }
      const k = tintedRgb(m.cellRgb[c]!, m.cellTint[3 * c]!, m.cellTint[3 * c + 1]!, m.cellTint[3 * c + 2]!);
      expect(got).toEqual([k >> 16, (k >> 8) & 255, k & 255, 255]);
      if (got[1] === 255 || got[2] === 0) saturated++;
    }
    expect(saturated).toBeGreaterThan(100);
  });
});
