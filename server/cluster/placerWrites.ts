import type pg from 'pg';
import type { Change } from '../../shared/mosaic/types.ts';
import { packRgb } from '../../shared/protocolChanges.ts';
import { type LogChange, LogType, toLogChanges } from '../core/logChange.ts';
import { placementsOf } from '../store/applyChanges.ts';
import { encodePlacements } from './logCodec.ts';
import type { TileRowLite } from './Placer.ts';
import type { RequestOutcome } from './RequestQueue.ts';

/** Everything one placer batch commits. */
export interface BatchWrite {
  epoch: number;
  term: number;
  changes: Change[];
  /** Rows (and their files) to delete. */
  deleted: number[];
  /** Rows that go (back) to review. */
  pended: number[];
  results: { id: number; outcome: RequestOutcome }[];
  /** The rows the batch read, with their final status ('gone' for deleted). */
  tiles: Map<number, TileRowLite>;
  grid: { cols: number; rows: number; seq: number } | null;
}

/** The batch's changes as log entries (placed ones carry colour, rally and time). */
export function logOf(w: BatchWrite): LogChange[] {
  return toLogChanges(w.changes, (id) => {
    const t = w.tiles.get(id);
    return { rgb: t?.rgb ?? [0, 0, 0], event: t?.event ?? null, createdAt: t?.createdAt ?? 0 };
  });
}

/** Writes one batch inside the caller's transaction: rows, the change log, the seq, the answers. */
export async function writeBatch(c: pg.PoolClient, w: BatchWrite): Promise<void> {
  const status = (id: number) => w.tiles.get(id)?.status;
  const place: { id: number[]; col: number[]; row: number[]; r: number[]; g: number[]; b: number[] } = {
    id: [],
    col: [],
    row: [],
    r: [],
    g: [],
    b: [],
  };
  for (const [id, p] of placementsOf(w.changes)) {
    const s = status(id);
    if (!p || s === 'gone' || s === 'pending') continue;
    place.id.push(id);
    place.col.push(p.col);
    place.row.push(p.row);
    place.r.push(p.tint.r);
    place.g.push(p.tint.g);
    place.b.push(p.tint.b);
  }
  if (place.id.length) {
    await c.query(
      `UPDATE tiles t SET status = 'live', cell_col = u.col, cell_row = u.row, tint_r = u.r, tint_g = u.g, tint_b = u.b
       FROM unnest($1::bigint[], $2::int[], $3::int[], $4::smallint[], $5::smallint[], $6::smallint[]) AS u(id, col, row, r, g, b)
       WHERE t.id = u.id`,
      [place.id, place.col, place.row, place.r, place.g, place.b],
    );
  }
  const pended = w.pended.filter((id) => status(id) === 'pending');
  if (pended.length) {
    await c.query(
      `UPDATE tiles SET status = 'pending', cell_col = -1, cell_row = -1 WHERE id = ANY($1::bigint[])`,
      [pended],
    );
  }
  if (w.deleted.length) await c.query('DELETE FROM tiles WHERE id = ANY($1::bigint[])', [w.deleted]);
  await insertLog(c, w);
  if (w.grid) {
    await c.query('UPDATE mosaic SET seq = $1, cols = $2, rows = $3 WHERE id = 1', [
      w.grid.seq,
      w.grid.cols,
      w.grid.rows,
    ]);
  }
  await c.query(
    `UPDATE requests r SET state = 'done', result = u.result, done_at = now()
     FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, result) WHERE r.id = u.id`,
    [w.results.map((x) => x.id), w.results.map((x) => JSON.stringify(x.outcome))],
  );
}

async function insertLog(c: pg.PoolClient, w: BatchWrite): Promise<void> {
  const cols = {
    seq: [] as number[],
    type: [] as number[],
    id: [] as (number | null)[],
    col: [] as (number | null)[],
    row: [] as (number | null)[],
    r: [] as (number | null)[],
    g: [] as (number | null)[],
    b: [] as (number | null)[],
    rgb: [] as (number | null)[],
    event: [] as (string | null)[],
    created: [] as (number | null)[],
  };
  for (const ch of logOf(w)) {
    if (ch.type === 'grown') {
      await c.query(
        'INSERT INTO changes (seq, epoch, term, type, cols, rows, layout) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [ch.seq, w.epoch, w.term, LogType.grown, ch.cols, ch.rows, encodePlacements(ch.placements)],
      );
      continue;
    }
    cols.seq.push(ch.seq);
    cols.type.push(LogType[ch.type]);
    cols.id.push(ch.id);
    cols.col.push(ch.col);
    cols.row.push(ch.row);
    const tint = ch.type === 'removed' ? null : ch.tint;
    cols.r.push(tint?.r ?? null);
    cols.g.push(tint?.g ?? null);
    cols.b.push(tint?.b ?? null);
    const placed = ch.type === 'placed' ? ch : null;
    cols.rgb.push(placed ? packRgb(placed.rgb[0], placed.rgb[1], placed.rgb[2]) : null);
    cols.event.push(placed?.event ?? null);
    cols.created.push(placed?.createdAt ?? null);
  }
  if (!cols.seq.length) return;
  await c.query(
    `INSERT INTO changes (seq, epoch, term, type, id, cell_col, cell_row, tint_r, tint_g, tint_b, rgb, event, created_at)
     SELECT u.seq, $1, $2, u.type, u.id, u.col, u.row, u.r, u.g, u.b, u.rgb, u.event, u.created
     FROM unnest($3::bigint[], $4::smallint[], $5::bigint[], $6::int[], $7::int[], $8::smallint[], $9::smallint[],
                 $10::smallint[], $11::int[], $12::text[], $13::bigint[])
       AS u(seq, type, id, col, row, r, g, b, rgb, event, created)`,
    [
      w.epoch,
      w.term,
      cols.seq,
      cols.type,
      cols.id,
      cols.col,
      cols.row,
      cols.r,
      cols.g,
      cols.b,
      cols.rgb,
      cols.event,
      cols.created,
    ],
  );
}
