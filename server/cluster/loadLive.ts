import type pg from 'pg';
import type { ImageColumns } from '../store/startupImage.ts';
import { TileFlag } from '../store/tileColumns.ts';
import type { MosaicMeta } from '../store/types.ts';
import { readMeta } from './pgData.ts';

/** Live tiles handed over at once by {@link loadLive}. */
const CHUNK = 50_000;

/** A chunk of live tiles as columns (ids in no particular order) and the event names of its codes. */
export interface LiveChunk {
  cols: ImageColumns;
  count: number;
  /** Code k (1-based) in `cols.event` is `events[k - 1]`; 0 is none. */
  events: readonly string[];
}

/**
 * The live tiles in the binary COPY format: PostgreSQL writes each field with its send function
 * and the node reads them from the bytes, where a SELECT gave nine text fields a tile to parse
 * (seconds and a lot of garbage at a million tiles). Ids and cells fit the casts (TileBook holds
 * ids below 2^31 and cells as int2); times are whole ms, exact in a float8.
 */
const COPY_LIVE = `COPY (
  SELECT id::int4, cell_col::int2, cell_row::int2, tint_r, tint_g, tint_b, rgb, created_at::float8, event
  FROM tiles WHERE status = 'live' AND cell_col >= 0
) TO STDOUT (FORMAT binary)`;
const FIELDS = 9;
/** "PGCOPY\n\xff\r\n\0", then the flags and the header extension's length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * The live tiles, handed to `each` a chunk of columns at a time, and the seq they are
 * consistent with, all from one snapshot of the database. No ORDER BY: a sequential scan
 * reads a million rows in about half the time of the id index, and the book takes any order.
 */
export async function loadLive(pool: pg.Pool, each: (chunk: LiveChunk) => void): Promise<MosaicMeta> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const meta = await readMeta(c);
    const reader = new LiveRows(each);
    await copyOut(c, COPY_LIVE, (b) => reader.push(b));
    reader.end();
    await c.query('COMMIT');
    return meta;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/** Runs a `COPY … TO STDOUT` on `c`, handing over each CopyData message's bytes. */
export function copyOut(c: pg.PoolClient, text: string, onData: (b: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (e?: unknown) => {
      if (settled) return;
      settled = true;
      if (e) reject(e);
      else resolve();
    };
    // pg runs any object with submit() as a query and hands it the protocol's messages.
    c.query({
      submit: (con: { query(text: string): void }) => con.query(text),
      handleCopyData: (msg: { chunk: Buffer }) => {
        if (settled) return;
        try {
          onData(msg.chunk);
        } catch (e) {
          settle(e);
        }
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handleError: (e: Error) => settle(e),
      handleReadyForQuery: () => settle(),
    } as unknown as pg.Submittable);
  });
}

/** Reads binary COPY rows (see COPY_LIVE) into chunks of columns, whatever the message boundaries. */
class LiveRows {
  private rest: Buffer | null = null;
  private header = true;
  private done = false;
  private cols = liveColumns(CHUNK);
  private n = 0;
  private readonly events: string[] = [];
  private readonly codes = new Map<string, number>();

  constructor(private readonly each: (chunk: LiveChunk) => void) {}

  push(chunk: Buffer): void {
    const b = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let at = this.header ? this.readHeader(b) : 0;
    if (at < 0) {
      this.rest = b;
      return;
    }
    this.header = false;
    for (;;) {
      const next = this.readRow(b, at);
      if (next < 0) break;
      at = next;
    }
    // A copy: the driver may reuse the bytes of a message it has handed over.
    this.rest = at < b.length ? Buffer.from(b.subarray(at)) : null;
  }

  end(): void {
    if (!this.done || this.rest) throw new Error('the live tiles ended early (COPY)');
    if (this.n) this.each({ cols: this.cols, count: this.n, events: this.events });
  }

  /** The offset after the header, or -1 when it is not all here. */
  private readHeader(b: Buffer): number {
    if (b.length < SIGNATURE.length + 8) return -1;
    if (!b.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY');
    const end = SIGNATURE.length + 8 + b.readInt32BE(SIGNATURE.length + 4);
    return b.length < end ? -1 : end;
  }

  /** Reads one row at `at`; the offset after it, or -1 when it is not all here (or was the trailer). */
  private readRow(b: Buffer, at: number): number {
    if (this.done || b.length < at + 2) return -1;
    const fields = b.readInt16BE(at);
    if (fields === -1) {
      this.done = true;
      return at + 2;
    }
    if (fields !== FIELDS) throw new Error(`a live tile row has ${fields} fields`);
    // The event's length follows the fixed fields: id 4, col 2, row 2, tints 3 x 2, rgb 4, created 8.
    const fixed = at + 60;
    if (b.length < fixed + 4) return -1;
    const len = b.readInt32BE(fixed);
    const end = fixed + 4 + Math.max(0, len);
    if (b.length < end) return -1;
    const c = this.cols;
    const i = this.n;
    // Each field's data follows its 4-byte length: id at 6, col 14, row 20, tints 26, 32, 38, rgb 44, created 52.
    c.ids[i] = int32(b, at + 6);
    c.col[i] = int16(b, at + 14);
    c.row[i] = int16(b, at + 20);
    c.tint[3 * i] = int16(b, at + 26);
    c.tint[3 * i + 1] = int16(b, at + 32);
    c.tint[3 * i + 2] = int16(b, at + 38);
    c.rgb[i] = int32(b, at + 44);
    for (let k = 0; k < 8; k++) SCRATCH[k] = b[at + 52 + k]!;
    c.created[i] = SCRATCH_VIEW.getFloat64(0);
    c.event[i] = len < 0 ? 0 : this.code(b.toString('utf8', fixed + 4, end));
    if (++this.n === CHUNK) {
      this.each({ cols: c, count: CHUNK, events: this.events });
      this.cols = liveColumns(CHUNK);
      this.n = 0;
    }
    return end;
  }

  private code(event: string): number {
    let k = this.codes.get(event);
    if (k === undefined) {
      k = this.events.push(event);
      this.codes.set(event, k);
    }
    return k;
  }
}

// Big-endian reads by hand: Buffer's readInt*BE check their arguments on every call.
const int32 = (b: Buffer, p: number) => (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
const int16 = (b: Buffer, p: number) => (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
/** A float8 is read from these 8 bytes (a DataView over each message would cost an object per row). */
const SCRATCH = new Uint8Array(8);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

/** Columns for `n` live tiles (no perceptual hash or features: a live copy keeps neither). */
function liveColumns(n: number): ImageColumns {
  return {
    ids: new Uint32Array(n),
    flags: new Uint8Array(n).fill(TileFlag.live),
    col: new Int16Array(n),
    row: new Int16Array(n),
    tint: new Int16Array(3 * n),
    event: new Uint16Array(n),
    created: new Float64Array(n),
    rgb: new Uint32Array(n),
    phash: new Uint32Array(2 * n),
    features: new Float32Array(0),
  };
}
