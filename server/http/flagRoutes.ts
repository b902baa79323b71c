import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { FLAG_REASONS } from '../../shared/httpApi.ts';
import { AppError } from '../errors.ts';
import { browserId, CLIENT_COOKIE, type ClientKeys } from '../safety/clientKey.ts';
import type { FlagStore } from '../safety/FlagBook.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import type { HttpDeps } from './deps.ts';
import { parseId } from './errorHandler.ts';

const flagBody = z.strictObject({ reason: z.enum(FLAG_REASONS).optional() });

/**
 * The browser's client id: the `X-Client-Id` header, else the `kiss_client` cookie, else a
 * new random one set as a session cookie (HttpOnly, SameSite=Strict, only sent to
 * /api/tiles). It is only ever used hashed, in memory, to count distinct flaggers.
 */
function clientId(req: Request, res: Response): string {
  const known = browserId(req.headers);
  if (known) return known;
  const fresh = randomBytes(16).toString('base64url');
  res.cookie(CLIENT_COOKIE, fresh, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/api/tiles',
    secure: req.secure,
  });
  return fresh;
}

export interface FlagDeps extends HttpDeps {
  flags: FlagStore;
  keys: ClientKeys;
  limiter: Limiter;
}

/**
 * POST /api/tiles/:id/flag with a JSON body `{}` or `{ "reason": "hate" }` -> 204.
 * When FLAG_THRESHOLD distinct clients (different networks and browsers) have flagged a
 * live tile, it leaves the mosaic and waits in the review queue until an admin decides.
 */
export function flagRoutes(d: FlagDeps): Router {
  const r = Router();
  r.post('/api/tiles/:id/flag', d.limiter.handler, express.json({ limit: '1kb' }), async (req, res) => {
    const id = parseId(req.params.id);
    // A JSON body needs a CORS preflight from another site, which this server never grants.
    if (!req.is('application/json'))
      throw new AppError(400, 'BAD_REQUEST', 'Send the flag as JSON, e.g. {} or {"reason":"hate"}.');
    const body = flagBody.safeParse(req.body);
    if (!body.success)
      throw new AppError(400, 'BAD_REQUEST', `reason must be one of: ${FLAG_REASONS.join(', ')}.`);
    if (d.service.get(id)?.status !== 'live') throw new AppError(404, 'NOT_FOUND', 'There is no such tile.');
    const outcome = await d.flags.flag(
      id,
      d.keys.ofAddress(req.ip),
      d.keys.of('client', clientId(req, res)),
      body.data.reason,
    );
    if (outcome === 'hide') await d.service.hide(id);
    res.status(204).end();
  });
  return r;
}
