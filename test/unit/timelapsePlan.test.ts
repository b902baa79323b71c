import { describe, expect, it } from 'vitest';
import { encodePlacements } from '../../server/cluster/logCodec.ts';
import { logPlan, type ReplayRecord, type ReplaySource } from '../../server/http/timelapsePlan.ts';
import type { FrameStep } from '../../server/ingest/timelapseIpc.ts';
import { tilesAtFrame } from '../../shared/timelapse.ts';

const tint = { r: 1, g: 2, b: 3 };
const placed = (id: number, col: number, row: number): ReplayRecord => ({
  type: 'placed',
  id,
  col,
  row,
  tint,
});
const moved = (id: number, col: number, row: number): ReplayRecord => ({ type: 'moved', id, col, row, tint });
const removed = (id: number): ReplayRecord => ({ type: 'removed', id });
const grown = (cols: number, ps: [number, number, number][]): ReplayRecord => ({
  type: 'grown',
  cols,
  rows: cols,
  layout: encodePlacements(ps.map(([id, col, row]) => ({ id, col, row, tint }))),
});

function source(records: ReplayRecord[], cols: number): ReplaySource {
  let i = 0;
  return {
    grid: { cols, rows: cols },
    next: async () => records[i++] ?? null,
    close: async () => {},
  };
}

/** A frame drawn as ASCII rows: the tile id in each cell, '.' for empty. */
function draw(frame: Map<string, number>, cols: number): string[] {
  return Array.from({ length: cols }, (_, row) =>
    Array.from({ length: cols }, (_, col) => String(frame.get(`${col},${row}`) ?? '.')).join(''),
  );
}

/** A length whose fill lasts n frames, so frame f is due to show f tiles. */
function framesFor(n: number): number {
  let frames = n + 1;
  while (Array.from({ length: n + 1 }, (_, f) => tilesAtFrame(f, frames, n)).some((c, f) => c !== f))
    frames++;
  return frames;
}

describe('the change-log replay behind a cluster timelapse', () => {
  // Tile 4 is deleted now, so it is in no frame; tile 3 was hidden and approved again.
  const log = [
    placed(1, 0, 0),
    placed(4, 1, 0),
    placed(2, 1, 1),
    moved(1, 1, 1), // a swap: 1 takes 2's cell...
    moved(2, 0, 0), // ...and 2 takes 1's
    placed(6, 0, 1),
    removed(4),
    grown(4, [
      [1, 3, 3],
      [2, 0, 0],
      [6, 0, 1],
    ]),
    placed(3, 2, 2),
    removed(3),
    placed(3, 1, 2),
    placed(5, 0, 3),
    moved(5, 3, 0),
  ];
  const keep = Uint32Array.from([1, 2, 3, 5, 6]);

  it('shows each frame as the log had it just before the next tile arrived', async () => {
    const plan = logPlan(source(log, 2), keep, framesFor(keep.length), 0);
    const frame = new Map<string, number>();
    let cols = 0;
    const frames: { grid: number; rows: string[]; count: number; step: FrameStep }[] = [];
    for (let f = 0; f <= keep.length; f++) {
      const step = await plan.next(f);
      if (step.grid) {
        cols = step.grid.cols;
        frame.clear();
      }
      for (let k = 0; k < step.clear.length; k += 2) frame.delete(`${step.clear[k]},${step.clear[k + 1]}`);
      for (let k = 0; k < step.paint.length; k += 6)
        frame.set(`${step.paint[k + 1]},${step.paint[k + 2]}`, step.paint[k]!);
      frames.push({ grid: cols, rows: draw(frame, cols), count: step.count, step });
    }
    expect(frames.map(({ grid, rows, count }) => ({ grid, rows, count }))).toEqual([
      { grid: 2, rows: ['..', '..'], count: 0 },
      { grid: 2, rows: ['1.', '..'], count: 1 },
      // After the swap; the deleted 4 was never drawn at (1,0).
      { grid: 2, rows: ['2.', '.1'], count: 2 },
      // The growth: the frame is laid out again on 4x4.
      { grid: 4, rows: ['2...', '6...', '....', '...1'], count: 3 },
      // 3 came, went back to review and came again elsewhere: only where it stands at the end.
      { grid: 4, rows: ['2...', '6...', '.3..', '...1'], count: 4 },
      { grid: 4, rows: ['2..5', '6...', '.3..', '...1'], count: 5 },
    ]);
    expect(frames.map((f) => !!f.step.grid)).toEqual([true, false, false, true, false, false]);
    // Between frames only the cells that changed travel: 3's short stay at (2,2) leaves it empty.
    expect([...frames[4]!.step.paint]).toEqual([3, 1, 2, 1, 2, 3]);
    expect([...frames[4]!.step.clear]).toEqual([2, 2]);
    const painted = frames.flatMap((f) => [...f.step.paint].filter((_, k) => k % 6 === 0));
    expect(painted).not.toContain(4);
  });

  it('starts with the tiles that arrived before `from` already there', async () => {
    const plan = logPlan(source(log, 2), keep, framesFor(3), 3);
    const first = await plan.next(0);
    expect(first.grid).toEqual({ cols: 4, rows: 4 });
    expect(first.count).toBe(3);
  });
});
