import type pg from 'pg';
import { LogType } from '../core/logChange.ts';
import { GROWTH_FACTOR } from '../core/types.ts';
import type { ReplayRecord, ReplaySource } from '../http/timelapsePlan.ts';
import { readMeta } from './pgData.ts';

/** Rows per query: a page is small, except for a growth, whose one row holds every placement. */
const PAGE = 2000;

/**
 * The change log of the mosaic's current epoch, up to the seq it had when opened, read in seq
 * order by keyset pages (`seq > last`), so a log of any length costs one page of memory.
 * Only the ids, cells and tints are read: that is all a frame needs.
 */
export async function openTimelapseLog(pool: pg.Pool | pg.ClientBase): Promise<ReplaySource> {
  const meta = await readMeta(pool);
  const first = await pool.query(
    'SELECT cols, rows FROM changes WHERE epoch = $1 AND type = $2 AND seq <= $3 ORDER BY seq LIMIT 1',
    [meta.epoch, LogType.grown, meta.seq],
  );
  const g = first.rows[0] as { cols: number; rows: number } | undefined;
  // The placer grows the grid by a fixed factor, so the first growth tells the grid before it.
  const grid = g
    ? { cols: g.cols / GROWTH_FACTOR, rows: g.rows / GROWTH_FACTOR }
    : { cols: meta.cols, rows: meta.rows };
  let page: unknown[][] = [];
  let at = 0;
  let last = 0;
  let done = false;
  return {
    grid,
    async next() {
      if (at === page.length) {
        if (done) return null;
        const r = await pool.query({
          text: `SELECT seq, type, id, cell_col, cell_row, tint_r, tint_g, tint_b, cols, rows, layout
                 FROM changes WHERE epoch = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${PAGE}`,
          values: [meta.epoch, last, meta.seq],
          rowMode: 'array',
        });
        page = r.rows as unknown[][];
        at = 0;
        done = page.length < PAGE;
        if (!page.length) return null;
        last = page.at(-1)![0] as number;
      }
      const x = page[at]!;
      page[at++] = [];
      return toRecord(x);
    },
    async close() {
      page = [];
      done = true;
    },
  };
}

function toRecord(x: unknown[]): ReplayRecord {
  const [, type, id, col, row, r, g, b, cols, rows, layout] = x as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    Buffer,
  ];
  if (type === LogType.grown) return { type: 'grown', cols, rows, layout };
  if (type === LogType.removed) return { type: 'removed', id };
  return { type: type === LogType.placed ? 'placed' : 'moved', id, col, row, tint: { r, g, b } };
}
