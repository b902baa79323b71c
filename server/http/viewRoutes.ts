import { type Request, Router } from 'express';
import { z } from 'zod';
import { encodeCellsFrame, readFrameHeader } from '../../shared/protocol.ts';
import { encodeViewStart, type ViewStart } from '../../shared/viewStart.ts';
import { AppError } from '../errors.ts';
import type { LiveBroadcaster } from '../realtime/LiveBroadcaster.ts';
import type { LivePyramid } from '../realtime/LivePyramid.ts';
import { CompressedCache, sendCompressed } from './compressed.ts';
import { imageCaching } from './deps.ts';

export interface ViewRouteDeps {
  /** The live layer (attached after the routes, so asked for at request time). */
  live: () => LiveBroadcaster;
  pyramid: () => LivePyramid;
  /** Mosaics with at most this many tiles send every cell at once (`cells` mode); 0: none does. */
  cellsMaxTiles: number;
  imageCacheSeconds: number;
}

/** The largest block of cells one request may ask for, a side. */
export const MAX_BLOCK_SIDE = 128;

const int = z.coerce.number().int().min(0).max(1_000_000_000);
/** `min`: the seq a view start must hold at least (also read by the pages that carry one inline). */
export const MinQuery = z.object({ min: int.optional() });
const BlockQuery = z.object({
  col: int,
  row: int,
  cols: z.coerce.number().int().min(1).max(MAX_BLOCK_SIDE),
  rows: z.coerce.number().int().min(1).max(MAX_BLOCK_SIDE),
  min: int.optional(),
});

function badQuery(req: Request, message: string): never {
  throw new AppError(400, 'BAD_REQUEST', `${message} (${req.path})`);
}

/** Resolves true once the live copy reaches `min` (a cluster node a little behind), false after `ms`. */
function caughtUp(live: LiveBroadcaster, min: number, ms = 2000): Promise<boolean> {
  if (live.lastSeq >= min) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      stop();
      clearTimeout(timer);
      resolve(ok);
    };
    const stop = live.watch((_cells, seq) => {
      if (seq >= min) done(true);
    });
    const timer = setTimeout(() => done(live.lastSeq >= min), ms);
  });
}

/** Waits until this node's live copy reaches `min`, else (after 2 s) 503 `BEHIND`. */
async function reach(live: LiveBroadcaster, min: number): Promise<void> {
  if (!(await caughtUp(live, min)))
    throw new AppError(503, 'BEHIND', 'This server has not caught up with the mosaic yet; try again.', {
      'Retry-After': '1',
    });
}

/**
 * The view start now: every cell of a mosaic of at most `cellsMaxTiles` tiles, else the
 * geometry and the colour pyramid's versions (waiting for the pyramid's first render, and for
 * a publish of seq `atLeast` or later for up to 2 s).
 */
export async function currentViewStart(
  d: Pick<ViewRouteDeps, 'live' | 'pyramid' | 'cellsMaxTiles'>,
  atLeast = 0,
): Promise<{ start: ViewStart; frame?: Uint8Array }> {
  const live = d.live();
  if (d.cellsMaxTiles > 0 && live.mosaic.size <= d.cellsMaxTiles) {
    const snap = live.snapshotFrame(atLeast);
    const h = readFrameHeader(snap.bytes);
    return {
      start: { mode: 'cells', seq: snap.seq, epoch: live.epoch, cols: h.cols, rows: h.rows, size: h.count },
      frame: snap.bytes,
    };
  }
  const p = await d.pyramid().current(atLeast);
  return {
    start: {
      mode: 'pyramid',
      seq: p.seq,
      epoch: live.epoch,
      cols: p.pyramid.cols,
      rows: p.pyramid.rows,
      size: p.size,
      versions: [...p.versions],
    },
  };
}

/**
 * What a viewer loads in proportion to its screen: the view start (geometry, seq and the
 * pyramid's versions, with every cell for a small mosaic), the live colour pyramid's tiles,
 * and blocks of cells. Every node answers from its own live copy.
 */
export function viewRoutes(d: ViewRouteDeps): Router {
  const r = Router();
  const compressed = new CompressedCache();
  let last: { key: string; body: Uint8Array } | null = null;

  r.get('/api/mosaic/view', async (req, res) => {
    // `min`: a view that holds at least that seq's changes, once this node has them (pyramid
    // mode: once its pyramid is published, for up to 2 s more);
    // the event screen's offline copy asks so, for a kiss deleted a moment ago not to come back.
    const q = MinQuery.safeParse(req.query);
    if (!q.success) badQuery(req, 'min must be a seq');
    const min = q.data.min ?? 0;
    if (min > 0) await reach(d.live(), min);
    const { start, frame } = await currentViewStart(d, min);
    const key = `${start.mode}:${start.epoch}:${start.seq}`;
    if (last?.key !== key) last = { key, body: encodeViewStart(start, frame) };
    res.set({
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Mosaic-Seq': String(start.seq),
    });
    await sendCompressed(req, res, last.body, compressed);
  });

  r.get('/api/mosaic/pyramid/:level/:tile', async (req, res) => {
    const m = /^(\d{1,6})_(\d{1,6})\.webp$/.exec(req.params.tile ?? '');
    const level = Number(req.params.level);
    const v = req.query.v;
    if (!m || !/^\d{1,2}$/.test(req.params.level ?? ''))
      badQuery(req, 'A pyramid tile is /{level}/{tx}_{ty}.webp');
    if (typeof v !== 'string' || !/^(0|[1-9]\d{0,14})$/.test(v))
      badQuery(req, 'v must be the tile version the view start gives');
    const got = await d.pyramid().tile({ level, tx: Number(m[1]), ty: Number(m[2]) }, Number(v));
    if (got === 'missing') throw new AppError(404, 'NOT_FOUND', 'The pyramid has no such tile.');
    if (got === 'stale')
      throw new AppError(
        404,
        'STALE_VERSION',
        'This part of the mosaic has changed since that version; load /api/mosaic/view again.',
      );
    res.set({
      'Content-Type': 'image/webp',
      'Cache-Control': imageCaching(d.imageCacheSeconds),
      'Content-Length': String(got.byteLength),
    });
    res.end(req.method === 'HEAD' ? undefined : got);
  });

  r.get('/api/mosaic/cells', async (req, res) => {
    const q = BlockQuery.safeParse(req.query);
    if (!q.success)
      badQuery(req, `col, row (cells), cols and rows (1 to ${MAX_BLOCK_SIDE}) and an optional min seq`);
    const live = d.live();
    if (q.data.min !== undefined) await reach(live, q.data.min);
    const body = encodeCellsFrame('snapshot', live.mosaic, q.data);
    res.set({
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Mosaic-Seq': String(live.lastSeq),
    });
    await sendCompressed(req, res, body);
  });
  return r;
}
