/**
 * The import's pace: photos/s and the time left count its working time, not the time its server
 * could not be reached, and the time left is unknown ("?") while it waits.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importProgress } from '../../scripts/import/importProgress.ts';
import { WorkClock } from '../../shared/importFiles.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the import’s working time', () => {
  it('leaves out the time the server was away', () => {
    let now = 1_000;
    const clock = new WorkClock(() => now);
    now += 4_000;
    expect(clock.pace(8, 20)).toEqual({ rate: 2, left: 6 });
    clock.waiting(true);
    now += 60_000;
    // Waiting: the same pace, and nobody knows when it goes on.
    expect(clock.seconds).toBe(4);
    expect(clock.pace(8, 20)).toEqual({ rate: 2, left: null });
    clock.waiting(true); // said again by another file: still one outage
    now += 30_000;
    clock.waiting(false);
    now += 2_000;
    expect(clock.seconds).toBe(6);
    expect(clock.pace(12, 20)).toEqual({ rate: 2, left: 4 });
    clock.waiting(false);
    expect(clock.seconds).toBe(6);
  });

  it('knows no pace before a file is done', () => {
    let now = 0;
    const clock = new WorkClock(() => now);
    expect(clock.pace(0, 5)).toEqual({ rate: 0, left: null });
    now = 1_000;
    expect(clock.pace(0, 5)).toEqual({ rate: 0, left: null });
  });
});

describe('the progress lines of an import off a terminal', () => {
  it('keeps photos/s and the time left to the working time across an outage', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((l: string) => lines.push(l));
    let now = 0;
    const p = importProgress(100, { tty: false, everyMs: 3_600_000, now: () => now });
    now = 10_000;
    p.update(20, { imported: 20, pending: 0, skipped: 0, refused: 0 });
    p.waiting({ since: now, error: 'connect ECONNREFUSED' });
    now += 5 * 60_000;
    p.stop();
    expect(lines.at(-1)).toBe(
      'import: 20/100 (20 %), 2.0 photos/s, ETA ?; imported 20, skipped 0, refused 0; waiting for the server (no answer for 5m00s)',
    );
    const q = importProgress(100, { tty: false, everyMs: 3_600_000, now: () => now });
    const start = now;
    now = start + 10_000;
    q.update(20, { imported: 20, pending: 0, skipped: 0, refused: 0 });
    q.waiting({ since: now, error: 'connect ECONNREFUSED' });
    now += 5 * 60_000;
    q.waiting(null);
    expect(lines.at(-1)).toBe('import: the server answers again after 5m00s.');
    now += 10_000;
    q.update(40, { imported: 40, pending: 0, skipped: 0, refused: 0 });
    q.stop();
    // 40 photos in 20 s of work: 2 a second, 30 s left (not 40 in 5m20s, nor 4 minutes left).
    expect(lines.at(-1)).toBe(
      'import: 40/100 (40 %), 2.0 photos/s, ETA 30s; imported 40, skipped 0, refused 0',
    );
  });
});
