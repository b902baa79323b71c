import { randomInt } from 'node:crypto';
import pg from 'pg';
import { unpackRgb } from '../../shared/protocolChanges.ts';
import { queueMarkOf } from '../../shared/rallies.ts';
import { type LogChange, LogType } from '../core/logChange.ts';
import type { PendingQueue } from '../core/port.ts';
import type { TileRecord } from '../core/TileBook.ts';
import type { MosaicMeta } from '../store/types.ts';
import { decodePlacements } from './logCodec.ts';

// Ids, seqs and times fit in a double: read int8 as a number, not a string.
pg.types.setTypeParser(20, Number);

/**
 * A pool for the mosaic's database; a stalled transaction is ended by the server after 5 s.
 * `name` is every session's `application_name` (at most 63 bytes): what tells, in
 * `pg_stat_activity`, whether the process is still connected.
 */
export function createPool(url: string, max = 8, name?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    ...(name ? { application_name: name } : {}),
    connectionTimeoutMillis: 3000,
    // A node that stalls (GC, SIGSTOP) inside a transaction must not hold the mosaic's row lock.
    options: '-c idle_in_transaction_session_timeout=5000',
  });
  // An idle client whose server went away: the pool drops it and makes a new one on demand.
  pool.on('error', () => {});
  // A checked-out client whose session the server ends between two queries (a node stalled in
  // a transaction past the timeout above) emits 'error' with no listener of the pool's: without
  // one of its own that would end the process. Its next query fails instead, and the caller's
  // error path (a rolled-back batch, a retry) handles it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** The mosaic's row, made on first start with the configured grid and a fresh epoch. */
export async function ensureMosaic(
  pool: pg.Pool,
  cols: number,
  rows: number,
): Promise<MosaicMeta & { term: number }> {
  await pool.query(
    'INSERT INTO mosaic (id, cols, rows, seq, epoch) VALUES (1, $1, $2, 0, $3) ON CONFLICT (id) DO NOTHING',
    [cols, rows, randomInt(1, 2 ** 31)],
  );
  return readMeta(pool);
}

export async function readMeta(q: pg.Pool | pg.ClientBase): Promise<MosaicMeta & { term: number }> {
  const r = await q.query('SELECT cols, rows, seq, epoch, term FROM mosaic WHERE id = 1');
  const m = r.rows[0];
  if (!m) throw new Error('the mosaic row is missing');
  return { cols: m.cols, rows: m.rows, seq: m.seq, epoch: m.epoch, term: m.term };
}

/** Rows read per query when a node loads a whole table: memory stays bounded at a million tiles. */
const CHUNK = 50_000;

/**
 * Reads `sql` (which must select `id` first and take `$1` = the last id read, ordered by id)
 * chunk by chunk inside `c`'s transaction, handing each row array to `each`.
 */
export async function eachRow(c: pg.PoolClient, sql: string, each: (row: unknown[]) => void): Promise<void> {
  let last = 0;
  for (;;) {
    const r = await c.query({ text: `${sql} LIMIT ${CHUNK}`, values: [last], rowMode: 'array' });
    for (const x of r.rows as unknown[][]) each(x);
    if (r.rows.length < CHUNK) return;
    last = (r.rows.at(-1) as unknown[])[0] as number;
  }
}

/** The log entries after `seq`, oldest first, at most `limit` rows. */
export async function readChangesAfter(
  pool: pg.Pool,
  seq: number,
  limit = 5000,
): Promise<{ epoch: number; changes: LogChange[] }[]> {
  const r = await pool.query(
    `SELECT seq, epoch, type, id, cell_col, cell_row, tint_r, tint_g, tint_b, rgb, event, created_at, cols, rows, layout
     FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [seq, limit],
  );
  const out: { epoch: number; changes: LogChange[] }[] = [];
  for (const x of r.rows) {
    const c = rowToChange(x);
    const last = out.at(-1);
    if (last && last.epoch === x.epoch) last.changes.push(c);
    else out.push({ epoch: x.epoch, changes: [c] });
  }
  return out;
}

/** A `changes` row as pg returns it. */
interface ChangeRow {
  seq: number;
  type: number;
  id: number;
  cell_col: number;
  cell_row: number;
  tint_r: number;
  tint_g: number;
  tint_b: number;
  rgb: number;
  event: string | null;
  created_at: number;
  cols: number;
  rows: number;
  layout: Buffer;
}

function rowToChange(x: ChangeRow): LogChange {
  const tint = { r: x.tint_r, g: x.tint_g, b: x.tint_b };
  switch (x.type) {
    case LogType.placed:
      return {
        type: 'placed',
        seq: x.seq,
        id: x.id,
        col: x.cell_col,
        row: x.cell_row,
        tint,
        rgb: unpackRgb(x.rgb),
        event: x.event,
        createdAt: x.created_at,
      };
    case LogType.moved:
      return { type: 'moved', seq: x.seq, id: x.id, col: x.cell_col, row: x.cell_row, tint };
    case LogType.removed:
      return { type: 'removed', seq: x.seq, id: x.id, col: x.cell_col, row: x.cell_row };
    default:
      return {
        type: 'grown',
        seq: x.seq,
        cols: x.cols,
        rows: x.rows,
        placements: decodePlacements(x.layout),
      };
  }
}

export async function readDeleteHash(pool: pg.Pool, id: number): Promise<string | null> {
  const r = await pool.query('SELECT delete_hash FROM tiles WHERE id = $1', [id]);
  return (r.rows[0]?.delete_hash as string | undefined) ?? null;
}

/** When tile `id` was stored and whether it waits for review (queued for a placer counts as not), or null. */
export async function storedAt(
  pool: pg.Pool,
  id: number,
): Promise<{ createdAt: number; pending: boolean } | null> {
  const r = await pool.query('SELECT status, created_at FROM tiles WHERE id = $1', [id]);
  const x = r.rows[0];
  return x ? { createdAt: Number(x.created_at), pending: x.status === 'pending' } : null;
}

/** The tile stored by the upload whose Idempotency-Key hashes to `keyHash`, and its status; null when none. */
export async function tileOfKeyHash(
  pool: pg.Pool,
  keyHash: string,
): Promise<{ id: number; status: string } | null> {
  const r = await pool.query('SELECT id, status FROM tiles WHERE key_hash = $1 ORDER BY id LIMIT 1', [
    keyHash,
  ]);
  const x = r.rows[0];
  return x ? { id: Number(x.id), status: x.status as string } : null;
}

/** The rows of `requests` asking the placer to place tile `$1`, while none has taken them. */
const QUEUED_PLACE = `state = 'queued' AND kind = 'place' AND (payload->>'id')::bigint = $1`;

/** The queued request that asks the placer to place tile `id`, or null when none waits. */
export async function queuedPlaceRequest(pool: pg.Pool, id: number): Promise<number | null> {
  const r = await pool.query(`SELECT id FROM requests WHERE ${QUEUED_PLACE} ORDER BY id LIMIT 1`, [id]);
  return r.rows[0] ? Number(r.rows[0].id) : null;
}

/**
 * Withdraws tile `id` while it still waits for a placer: its place request is cancelled and
 * the tile (with its files) deleted, in one statement. False when a placer took the request
 * first (the tile is then removed through the placer like any other).
 */
export async function withdrawQueued(pool: pg.Pool, id: number): Promise<boolean> {
  const r = await pool.query(
    `WITH c AS (
       UPDATE requests SET state = 'cancelled', done_at = now() WHERE ${QUEUED_PLACE} RETURNING id)
     DELETE FROM tiles WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM c) RETURNING id`,
    [id],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Joined to `tiles`, gives `h`: `queueMix` (shared/rallies.ts) of its id, the same 32-bit value computed in
 * bigint arithmetic (73244475 = 0x45d9f3b < 2^27, so no product reaches 2^63).
 */
const QUEUE_MIX_JOIN = `
  LATERAL (SELECT id % 4294967296 AS x0) m0,
  LATERAL (SELECT ((x0 # (x0 >> 16)) * 73244475) % 4294967296 AS x1) m1,
  LATERAL (SELECT ((x1 # (x1 >> 16)) * 73244475) % 4294967296 AS x2) m2,
  LATERAL (SELECT x2 # (x2 >> 16) AS h) m3`;

/** A row of `tiles` waiting for review, as the queue shows it. */
function pendingRecord(x: { id: number; event: string | null; created_at: number; rgb: number }): TileRecord {
  return {
    id: x.id,
    status: 'pending' as const,
    col: -1,
    row: -1,
    tint: { r: 0, g: 0, b: 0 },
    event: x.event,
    createdAt: x.created_at,
    rgb: unpackRgb(x.rgb),
    phash: null,
  };
}

/**
 * The review queue in one statement (one snapshot): its length, oldest time and mark summed up
 * in the database, and only its `limit` oldest rows, so that no caller lists every waiting tile.
 */
export async function pendingQueue(pool: pg.Pool | pg.ClientBase, limit: number): Promise<PendingQueue> {
  const r = await pool.query(
    `SELECT s.n, s.oldest, s.mix, t.id, t.event, t.created_at, t.rgb
       FROM (SELECT count(*)::int AS n, min(created_at) AS oldest,
                    (coalesce(sum(h), 0) % 4294967296)::int8 AS mix
               FROM tiles, ${QUEUE_MIX_JOIN} WHERE status = 'pending') s
       LEFT JOIN LATERAL (SELECT id, event, created_at, rgb FROM tiles
                           WHERE status = 'pending' ORDER BY id LIMIT $1) t ON true
      ORDER BY t.id`,
    [limit],
  );
  const head = r.rows[0];
  const length = head ? Number(head.n) : 0;
  return {
    length,
    oldestCreatedAt: length ? Number(head.oldest) : null,
    mark: queueMarkOf(length, length ? Number(head.mix) : 0),
    tiles: r.rows.filter((x) => x.id !== null).map(pendingRecord),
  };
}

/** Tile `id` while it waits for review, else undefined. */
export async function pendingTile(
  pool: pg.Pool | pg.ClientBase,
  id: number,
): Promise<TileRecord | undefined> {
  const r = await pool.query(
    `SELECT id, event, created_at, rgb FROM tiles WHERE id = $1 AND status = 'pending'`,
    [id],
  );
  return r.rows[0] ? pendingRecord(r.rows[0]) : undefined;
}

/** A stored tile's status, or null when there is no such row. */
export async function tileStatus(pool: pg.Pool, id: number): Promise<string | null> {
  const r = await pool.query('SELECT status FROM tiles WHERE id = $1', [id]);
  return (r.rows[0]?.status as string | undefined) ?? null;
}
