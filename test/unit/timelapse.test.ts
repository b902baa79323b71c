import { describe, expect, it } from 'vitest';
import { gridFits, TIMELAPSE_PRESETS, tilesAtFrame, timelapseLayout } from '../../shared/timelapse.ts';

const inside = (r: { x: number; y: number; width: number; height: number }, w: number, h: number) =>
  r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h;
const overlap = (a: { y: number; height: number }, b: { y: number; height: number }) =>
  a.y < b.y + b.height && b.y < a.y + a.height;

describe('timelapse maths', () => {
  it.each([
    [300, 1000, 0],
    [300, 7, 0],
    [60, 1, 0],
    [300, 1000, 400],
  ])(
    '%i frames of %i tiles (already %i): start there, never go back, end with all, hold the end',
    (frames, total, already) => {
      const counts = Array.from({ length: frames }, (_, f) => tilesAtFrame(f, frames, total, already));
      expect(counts[0]).toBe(already);
      for (let f = 1; f < frames; f++) expect(counts[f]).toBeGreaterThanOrEqual(counts[f - 1]!);
      // At least the last tenth of the frames shows the whole mosaic.
      const full = counts.filter((c) => c === total).length;
      expect(full).toBeGreaterThanOrEqual(Math.max(1, Math.round(frames / 10)));
      // With more tiles than frames, tiles keep arriving until the hold.
      if (total - already >= frames) expect(full).toBeLessThan(frames / 4 + 2);
    },
  );

  it.each(Object.entries(TIMELAPSE_PRESETS))(
    'lays out the %s preset inside the frame, bands clear of the mosaic',
    (_, { width, height }) => {
      for (const [cols, rows] of [
        [40, 40],
        [80, 80],
        [160, 90],
      ] as const) {
        const l = timelapseLayout(width, height, cols, rows);
        expect(l.mosaic.width).toBe(cols * l.cellPx);
        expect(l.mosaic.height).toBe(rows * l.cellPx);
        for (const r of [l.mosaic, l.hashtag, l.counter]) expect(inside(r, width, height)).toBe(true);
        expect(overlap(l.mosaic, l.counter)).toBe(false);
        expect(overlap(l.mosaic, l.hashtag)).toBe(false);
      }
    },
  );

  it('says when a grid has more cells than the frame has pixels', () => {
    expect(gridFits(1080, 1080, 640, 640)).toBe(true);
    expect(gridFits(1080, 1080, 1280, 1280)).toBe(false);
  });
});
