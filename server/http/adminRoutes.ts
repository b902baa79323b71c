import express, { Router } from 'express';
import { z } from 'zod';
import type { AdminQueue, AdminQueueItem } from '../../shared/adminApi.ts';
import { isTileSize, TILE_SIZES } from '../../shared/httpApi.ts';
import { isEventCode } from '../../shared/rally.ts';
import { AppError } from '../errors.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import type { FlagStore } from '../safety/FlagBook.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import { sendJson } from './compressed.ts';
import type { HttpDeps } from './deps.ts';
import { parseId } from './errorHandler.ts';
import { parseBody } from './parseBody.ts';

const MAX_IDS = 1000;
const MAX_CELLS = 1 << 16;

const idsBody = z.strictObject({
  ids: z
    .array(
      z
        .number()
        .int()
        .positive()
        .max(2 ** 31 - 1),
    )
    .min(1)
    .max(MAX_IDS),
});

const cell = z.number().int().min(0).max(MAX_CELLS);
const takedownBody = z.union([
  z.strictObject({
    event: z.string().refine(isEventCode, 'a rally code like "london"'),
  }),
  z.strictObject({
    region: z.strictObject({ col: cell, row: cell, cols: cell.min(1), rows: cell.min(1) }),
  }),
]);

export interface AdminDeps extends HttpDeps {
  flags: FlagStore;
  /** Counts failed logins per client (brute force). */
  loginLimiter: Limiter;
}

/**
 * The moderation API under /api/admin, behind `Authorization: Bearer <ADMIN_TOKEN>`.
 * Every removal goes through the service, which commits, then broadcasts `removed`.
 */
export function adminRoutes(d: AdminDeps): Router {
  const r = Router();
  const s = d.service;
  r.use(
    '/api/admin',
    d.loginLimiter.handler,
    requireAdmin(d.config.ADMIN_TOKEN),
    express.json({ limit: '64kb' }),
  );

  r.get('/api/admin/queue', async (req, res) => {
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit) || 200));
    const pending = await s.pending(limit);
    const shown = pending.tiles;
    const flags = await d.flags.summaries(shown.map((t) => t.id));
    const items = shown.map(
      (t, i): AdminQueueItem => ({
        id: t.id,
        event: t.event,
        createdAt: new Date(t.createdAt).toISOString(),
        flags: flags[i]!.count,
        flagReasons: flags[i]!.reasons,
        thumbUrl: `/api/admin/tiles/${t.id}/128.webp`,
        imageUrl: `/api/admin/tiles/${t.id}/512.webp`,
      }),
    );
    const answer: AdminQueue = { total: pending.length, items };
    await sendJson(req, res, answer);
  });

  r.get('/api/admin/tiles/:id/:file', async (req, res) => {
    const id = parseId(req.params.id);
    const size = Number(/^(\d+)\.webp$/.exec(req.params.file)?.[1]);
    if (!isTileSize(size)) throw new AppError(404, 'NOT_FOUND', `Tile sizes are ${TILE_SIZES.join(', ')}.`);
    const data = (await s.find(id)) ? await s.readFile(id, size) : null;
    if (!data) throw new AppError(404, 'NOT_FOUND', 'There is no such tile.');
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(data);
  });

  const approve = async (ids: number[]) => {
    const done = await s.approve(ids);
    for (const id of done) await d.flags.clear(id);
    return done;
  };
  const skipped = (asked: number[], done: number[]) => {
    const set = new Set(done);
    return [...new Set(asked)].filter((id) => !set.has(id));
  };

  r.post('/api/admin/approve', async (req, res) => {
    const { ids } = parseBody(idsBody, req, '{"ids":[12,13]}');
    const approved = await approve(ids);
    res.json({ approved, skipped: skipped(ids, approved) });
  });

  r.post('/api/admin/reject', async (req, res) => {
    const { ids } = parseBody(idsBody, req, '{"ids":[12,13]}');
    const rejected = await s.reject(ids);
    res.json({ rejected, skipped: skipped(ids, rejected) });
  });

  // One tile at a time (what the admin page calls): 204, or 404 when it is not waiting.
  r.post('/api/admin/tiles/:id/:verdict', async (req, res) => {
    const id = parseId(req.params.id);
    const { verdict } = req.params;
    if (verdict !== 'approve' && verdict !== 'reject')
      throw new AppError(404, 'NOT_FOUND', 'Use /approve or /reject.');
    const done = verdict === 'approve' ? await approve([id]) : await s.reject([id]);
    if (!done.length) throw new AppError(404, 'NOT_FOUND', 'This tile is not waiting for review.');
    res.status(204).end();
  });

  r.delete('/api/admin/tiles/:id', async (req, res) => {
    if (!(await s.remove(parseId(req.params.id))))
      throw new AppError(404, 'NOT_FOUND', 'There is no such tile (it may be deleted already).');
    res.status(204).end();
  });

  r.post('/api/admin/takedown', async (req, res) => {
    const sel = parseBody(
      takedownBody,
      req,
      '{"event":"london"} or {"region":{"col":0,"row":0,"cols":4,"rows":4}}',
    );
    const removed = await s.removeWhere(sel);
    res.json({ removed });
  });

  return r;
}
