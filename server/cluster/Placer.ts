import type pg from 'pg';
import { createEngine, mulberry32, type PlacementEngine, restoreEngine } from '../../shared/mosaic/index.ts';
import { type Change, FEATURE_LEN } from '../../shared/mosaic/types.ts';
import { unpackRgb } from '../../shared/protocolChanges.ts';
import { GROWTH_FACTOR } from '../core/types.ts';
import type { Target } from '../ingest/target.ts';
import { DUPLICATE_MESSAGE, DuplicateIndex } from '../safety/DuplicateIndex.ts';
import { eachCopyRow } from './copyRows.ts';
import { eachRow, readMeta } from './pgData.ts';
import { type BatchWrite, writeBatch } from './placerWrites.ts';
import type { RequestKind, RequestOutcome } from './RequestQueue.ts';

/** Thrown when a commit finds another node's term on the mosaic: this node is no longer placer. */
export class FencedError extends Error {
  constructor(mine: number, now: number) {
    super(`fenced: this node's placer term ${mine} is over (the mosaic is at term ${now})`);
    this.name = 'FencedError';
  }
}

export interface PlacerOptions {
  pool: pg.Pool;
  target: Target;
  tint: number;
  seed: number;
  moderation: 'post' | 'pre';
  /** Hamming threshold of the duplicate check, or null when it is off. */
  duplicateThreshold: number | null;
  /** The fencing term this node won the election with. */
  term: number;
  log: (message: string, error?: unknown) => void;
}

/** A stored tile as the placer reads it for one batch. */
export interface TileRowLite {
  id: number;
  status: string;
  features: Float32Array;
  rgb: [number, number, number];
  event: string | null;
  createdAt: number;
  phash: string | null;
}

const BATCH = 500;

/**
 * The one writer of the mosaic: holds the placement engine, takes requests from the
 * `requests` table in id order, and commits each batch (rows, change log, seq, answers) in
 * one transaction that first checks the fencing term. A placer that lost its term (it
 * stalled and another node took over) can never commit again.
 */
export class Placer {
  private engine!: PlacementEngine;
  private dup: DuplicateIndex | null;
  epoch = 0;

  private constructor(private readonly o: PlacerOptions) {
    this.dup = o.duplicateThreshold === null ? null : new DuplicateIndex(o.duplicateThreshold);
  }

  /** Builds the engine from the database, as it stands under this node's term. */
  static async start(o: PlacerOptions): Promise<Placer> {
    const p = new Placer(o);
    await p.load();
    return p;
  }

  get seq(): number {
    return this.engine.seq;
  }

  private async load(): Promise<void> {
    // The target's features take seconds for a big grid: computed before the transaction,
    // which the database would end if it stood idle that long. Only this placer changes the grid.
    const before = await readMeta(this.o.pool);
    await this.o.target.cellFeatures(before.cols, before.rows);
    const c = await this.o.pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const meta = await readMeta(c);
      this.epoch = meta.epoch ?? 0;
      const cellFeatures = await this.o.target.cellFeatures(meta.cols, meta.rows);
      // Read as binary COPY straight into columns: no text to parse, no object per tile.
      const count = Number(
        (await c.query(`SELECT count(*) AS n FROM tiles WHERE status = 'live' AND cell_col >= 0`)).rows[0].n,
      );
      const ids = new Int32Array(count);
      const col = new Int16Array(count);
      const row = new Int16Array(count);
      const features = new Float32Array(count * FEATURE_LEN);
      const bytes = new Uint8Array(features.buffer);
      let n = 0;
      await eachCopyRow(
        c,
        // In id order, as the engine was always restored: its slots, and so its later choices, follow it.
        `SELECT id::int4, cell_col::int2, cell_row::int2, features FROM tiles
         WHERE status = 'live' AND cell_col >= 0 ORDER BY id`,
        4,
        (b, at, len) => {
          if (n === count) throw new Error('more live tiles than counted in the same snapshot');
          if (len[3] !== FEATURE_LEN * 4) throw new Error(`tile features of ${len[3]} bytes`);
          ids[n] = b.readInt32BE(at[0]!);
          col[n] = b.readInt16BE(at[1]!);
          row[n] = b.readInt16BE(at[2]!);
          bytes.set(b.subarray(at[3]!, at[3]! + FEATURE_LEN * 4), n * FEATURE_LEN * 4);
          n++;
        },
      );
      const base = { cols: meta.cols, rows: meta.rows, cellFeatures, tint: this.o.tint, seq: meta.seq };
      const take = Int32Array.from({ length: n }, (_, i) => i);
      this.engine = n
        ? restoreEngine({
            ...base,
            rng: mulberry32(this.o.seed + meta.seq),
            placements: { take, ids, col, row, features },
          })
        : createEngine({ ...base, rng: mulberry32(this.o.seed) });
      if (this.dup) {
        const dup = new DuplicateIndex(this.dup.threshold);
        await eachRow(
          c,
          `SELECT id, phash FROM tiles WHERE phash IS NOT NULL AND status <> 'queued' AND id > $1 ORDER BY id`,
          (x) => dup.add(x[0] as number, x[1] as string),
        );
        this.dup = dup;
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  /**
   * Takes up to one batch of queued requests and commits them. Returns the changes and the
   * ids of the requests answered (empty when there was nothing to do).
   */
  async runBatch(): Promise<{ changes: Change[]; answered: number[]; write: BatchWrite | null }> {
    const client = await this.o.pool.connect();
    let mutated = false;
    try {
      await client.query('BEGIN');
      const m = await client.query('SELECT term FROM mosaic WHERE id = 1 FOR UPDATE');
      const term = m.rows[0]?.term as number;
      if (term !== this.o.term) throw new FencedError(this.o.term, term);
      const q = await client.query(
        `SELECT id, kind, payload FROM requests WHERE state = 'queued' ORDER BY id LIMIT ${BATCH} FOR UPDATE`,
      );
      if (!q.rows.length) {
        await client.query('COMMIT');
        return { changes: [], answered: [], write: null };
      }
      const reqs = q.rows as { id: number; kind: RequestKind; payload: Record<string, unknown> }[];
      const tiles = await this.readTiles(client, reqs);
      const w: BatchWrite = {
        epoch: this.epoch,
        term: this.o.term,
        changes: [],
        deleted: [],
        pended: [],
        results: [],
        tiles,
        grid: null,
      };
      mutated = true;
      for (const r of reqs) w.results.push({ id: r.id, outcome: await this.handle(r, w) });
      w.grid = { cols: this.engine.cols, rows: this.engine.rows, seq: this.engine.seq };
      await writeBatch(client, w);
      await client.query('COMMIT');
      return { changes: w.changes, answered: reqs.map((r) => r.id), write: w };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      // The engine moved ahead of what committed: rebuild it from the database (unless fenced).
      if (mutated && !(e instanceof FencedError)) await this.load().catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  private async readTiles(
    client: pg.PoolClient,
    reqs: { kind: RequestKind; payload: Record<string, unknown> }[],
  ): Promise<Map<number, TileRowLite>> {
    const ids = new Set<number>();
    const events = new Set<string>();
    for (const r of reqs) {
      const p = r.payload;
      if (typeof p.id === 'number') ids.add(p.id);
      for (const id of (p.ids as number[] | undefined) ?? []) ids.add(id);
      if (r.kind === 'takedown' && typeof p.event === 'string') events.add(p.event);
    }
    const res = await client.query(
      `SELECT id, status, features, rgb, event, created_at, phash FROM tiles
       WHERE id = ANY($1::bigint[]) OR (event = ANY($2::text[]) AND status <> 'queued')`,
      [[...ids], [...events]],
    );
    const out = new Map<number, TileRowLite>();
    for (const x of res.rows) {
      out.set(x.id, {
        id: x.id,
        status: x.status,
        features: floats(x.features),
        rgb: unpackRgb(x.rgb),
        event: x.event,
        createdAt: x.created_at,
        phash: x.phash,
      });
    }
    return out;
  }

  /** Applies one request to the engine and the batch; returns its answer. */
  private async handle(
    r: { kind: RequestKind; payload: Record<string, unknown> },
    w: BatchWrite,
  ): Promise<RequestOutcome> {
    const p = r.payload;
    switch (r.kind) {
      case 'place': {
        const t = w.tiles.get(p.id as number);
        if (t?.status !== 'queued') return refused(404, 'NOT_FOUND', 'The stored photo is gone.');
        if (this.dup && t.phash) {
          if (this.dup.find(t.phash) !== null) {
            this.drop(t, w);
            return refused(409, 'DUPLICATE_PHOTO', DUPLICATE_MESSAGE);
          }
          this.dup.add(t.id, t.phash);
        }
        if (((p.moderation as 'post' | 'pre' | null | undefined) ?? this.o.moderation) === 'pre') {
          t.status = 'pending';
          w.pended.push(t.id);
          return { ok: true, data: { status: 'pending', seq: this.engine.seq } };
        }
        const placed = await this.place(t, w);
        return { ok: true, data: { status: 'live', ...placed } };
      }
      case 'approve': {
        const approved: number[] = [];
        for (const id of new Set(p.ids as number[])) {
          const t = w.tiles.get(id);
          if (t?.status !== 'pending') continue;
          await this.place(t, w);
          approved.push(id);
        }
        return { ok: true, data: { ids: approved } };
      }
      case 'hide': {
        const t = w.tiles.get(p.id as number);
        if (t?.status !== 'live' || !this.engine.get(t.id)) return { ok: true, data: { ids: [] } };
        const c = this.engine.remove(t.id);
        if (c) w.changes.push(c);
        t.status = 'pending';
        w.pended.push(t.id);
        return { ok: true, data: { ids: [t.id] } };
      }
      case 'reject':
      case 'remove':
      case 'takedown': {
        const gone: number[] = [];
        for (const t of this.selectRemoval(r.kind, p, w)) {
          this.drop(t, w);
          gone.push(t.id);
        }
        return { ok: true, data: { ids: gone } };
      }
    }
  }

  private selectRemoval(kind: RequestKind, p: Record<string, unknown>, w: BatchWrite): TileRowLite[] {
    const known = (t: TileRowLite | undefined): t is TileRowLite =>
      !!t && t.status !== 'gone' && t.status !== 'queued';
    if (kind === 'reject')
      return (p.ids as number[])
        .map((id) => w.tiles.get(id))
        .filter((t) => t?.status === 'pending') as TileRowLite[];
    if (kind === 'remove') return [...new Set(p.ids as number[])].map((id) => w.tiles.get(id)).filter(known);
    if (typeof p.event === 'string')
      return [...w.tiles.values()].filter((t) => known(t) && t.event === p.event);
    const g = p.region as { col: number; row: number; cols: number; rows: number };
    return this.engine
      .placements()
      .filter((x) => x.col >= g.col && x.col < g.col + g.cols && x.row >= g.row && x.row < g.row + g.rows)
      .map((x) => w.tiles.get(x.id) ?? this.stub(x.id, w));
  }

  /** A live tile that the batch did not read (a region takedown): only its id is needed. */
  private stub(id: number, w: BatchWrite): TileRowLite {
    const t: TileRowLite = {
      id,
      status: 'live',
      features: new Float32Array(0),
      rgb: [0, 0, 0],
      event: null,
      createdAt: 0,
      phash: null,
    };
    w.tiles.set(id, t);
    return t;
  }

  private drop(t: TileRowLite, w: BatchWrite): void {
    if (this.engine.get(t.id)) {
      const c = this.engine.remove(t.id);
      if (c) w.changes.push(c);
    }
    this.dup?.delete(t.id);
    t.status = 'gone';
    w.deleted.push(t.id);
  }

  private async place(t: TileRowLite, w: BatchWrite): Promise<{ seq: number; col: number; row: number }> {
    if (this.engine.isFull()) {
      const cols = this.engine.cols * GROWTH_FACTOR;
      const rows = this.engine.rows * GROWTH_FACTOR;
      w.changes.push(this.engine.grow(cols, rows, await this.o.target.cellFeatures(cols, rows)));
    }
    const cs = this.engine.place(t.id, t.features);
    w.changes.push(...cs);
    t.status = 'live';
    const placed = cs[0]!;
    return { seq: placed.seq, col: (placed as { col: number }).col, row: (placed as { row: number }).row };
  }
}

function refused(status: number, code: string, message: string): RequestOutcome {
  return { ok: false, status, code, message };
}

function floats(b: Buffer): Float32Array {
  const f = new Float32Array(b.byteLength / 4);
  new Uint8Array(f.buffer).set(b);
  return f;
}
