import express, { Router } from 'express';
import { z } from 'zod';
import {
  FLYER_SIZES,
  type FlyerSize,
  type PublicRally,
  type RallyInput,
  type RallyList,
  rallyProblem,
} from '../../shared/rallies.ts';
import { isEventCode } from '../../shared/rally.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { RallyRegistry } from '../rallies/RallyRegistry.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import { siteOrigin } from './deps.ts';

const EXAMPLE =
  '{"code":"london","name":"Kiss-in at Trafalgar Square","city":"London","timeZone":"Europe/London","date":"2026-05-17","language":"en","moderation":null}';

const body = z.strictObject({
  code: z.string(),
  name: z.string(),
  city: z.string(),
  timeZone: z.string(),
  date: z.string(),
  language: z.string(),
  moderation: z.enum(['post', 'pre']).nullable().default(null),
});

/** The body as a rally, or 400 BAD_REQUEST naming the first wrong field. */
function readRally(raw: unknown): RallyInput {
  const r = body.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    throw new AppError(
      400,
      'BAD_REQUEST',
      `${where}${first?.message ?? 'invalid body'}. Send JSON like ${EXAMPLE}.`,
    );
  }
  const input = { ...r.data, name: r.data.name.trim(), city: r.data.city.trim() } as RallyInput;
  const problem = rallyProblem(input);
  if (problem) throw new AppError(400, 'BAD_REQUEST', `${problem[0]}: must be ${problem[1]}.`);
  return input;
}

/**
 * The rally registry: list, create and edit under /api/admin/rallies (admin token); each
 * registered rally's name, city, day and language at /api/rallies/:code, and its printable flyer
 * at /api/rallies/:code/flyer.pdf?size=A4|A3 (both public: they hold only what the flyer shows
 * on a wall).
 */
export function rallyRoutes(d: { rallies: RallyRegistry; config: Config; loginLimiter: Limiter }): Router {
  const r = Router();
  const notRegistered = () => new AppError(404, 'NOT_FOUND', 'There is no such rally in the registry.');
  /**
   * The registered rally of `raw`, or null for a well-formed code the registry does not hold but
   * this server takes (EVENTS=open). 404 UNKNOWN_EVENT for one the upload would refuse
   * (EVENTS=listed), so that a page can say so before anyone picks a photo; 404 NOT_FOUND for
   * what is no rally code.
   */
  const lookup = (raw: unknown) => {
    const code = String(raw);
    if (!isEventCode(code)) throw notRegistered();
    const rally = d.rallies.get(code);
    if (rally || d.rallies.allows(code)) return rally ?? null;
    throw new AppError(
      404,
      'UNKNOWN_EVENT',
      'There is no such rally in the registry, and this server takes only registered rallies.',
    );
  };
  const admin = [d.loginLimiter.handler, requireAdmin(d.config.ADMIN_TOKEN), express.json({ limit: '16kb' })];

  r.get('/api/admin/rallies', ...admin, async (_req, res) => {
    await d.rallies.refresh();
    const answer: RallyList = { rallies: d.rallies.list() };
    res.json(answer);
  });

  r.post('/api/admin/rallies', ...admin, async (req, res) => {
    res.status(201).json(await d.rallies.create(readRally(req.body)));
  });

  r.put('/api/admin/rallies/:code', ...admin, async (req, res) => {
    const input = readRally({ ...req.body, code: req.params.code });
    res.json(await d.rallies.update(input));
  });

  // What a rally's screen, contribute page and tile cards call it; a minute's caching, since an
  // edit is rare and a screen asks again on every reload. A well-formed code that is not
  // registered, where any is taken (EVENTS=open), is no error: 204, and the pages show the code.
  r.get('/api/rallies/:code', (req, res) => {
    const rally = lookup(req.params.code);
    res.setHeader('Cache-Control', 'public, max-age=60');
    if (!rally) {
      res.status(204).end();
      return;
    }
    const { code, name, city, date, timeZone, language } = rally;
    const answer: PublicRally = { code, name, city, date, timeZone, language };
    res.json(answer);
  });

  r.get('/api/rallies/:code/flyer.pdf', async (req, res) => {
    const rally = lookup(req.params.code);
    if (!rally) throw notRegistered();
    const code = rally.code;
    const size = (req.query.size ?? 'A4') as FlyerSize;
    if (!FLYER_SIZES.includes(size)) throw new AppError(400, 'BAD_REQUEST', 'size must be A4 or A3.');
    const origin = siteOrigin(d.config, req);
    // Loaded with the first flyer, as the print routes load theirs (printRoutes.ts).
    const { rallyFlyer } = await import('../rallies/flyer.ts');
    const pdf = await rallyFlyer(rally, size, `${origin}${rally.links.contribute}`);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `inline; filename="kiss-in-${code}-${size}.pdf"`);
    res.setHeader('Cache-Control', 'no-cache');
    res.end(Buffer.from(pdf));
  });

  return r;
}
