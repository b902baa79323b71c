import express, { Router } from 'express';
import { z } from 'zod';
import { RALLY_LANGUAGES } from '../../shared/rallies.ts';
import { isEventCode } from '../../shared/rally.ts';
import {
  gridFits,
  TIMELAPSE_LIMITS as L,
  TIMELAPSE_PRESETS,
  type TimelapseRequest,
} from '../../shared/timelapse.ts';
import { AppError } from '../errors.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import type { AdminDeps } from './adminRoutes.ts';
import { parseBody } from './parseBody.ts';
import type { TimelapseJobs } from './TimelapseJobs.ts';

const side = z.number().int().min(L.minSide).max(L.maxSide).multipleOf(2, 'an even number of pixels');
const when = z.iso.datetime({ offset: true });
const body = z
  .strictObject({
    preset: z.enum(Object.keys(TIMELAPSE_PRESETS) as [keyof typeof TIMELAPSE_PRESETS]).optional(),
    width: side.optional(),
    height: side.optional(),
    seconds: z.number().min(L.minSeconds).max(L.maxSeconds),
    fps: z.number().int().min(L.minFps).max(L.maxFps).optional(),
    from: when.optional(),
    to: when.optional(),
    event: z.string().refine(isEventCode, 'a rally code like "london"').optional(),
    lang: z.enum(RALLY_LANGUAGES, { error: `one of ${RALLY_LANGUAGES.join(', ')}` }).optional(),
  })
  .refine((b) => b.preset !== undefined || (b.width !== undefined && b.height !== undefined), {
    message: 'give a preset ("square" or "story") or both width and height',
  })
  .refine((b) => !b.from || !b.to || Date.parse(b.from) <= Date.parse(b.to), {
    message: 'from must not be after to',
    path: ['from'],
  }) satisfies z.ZodType<TimelapseRequest>;

const EXAMPLE = '{"preset":"square","seconds":15} or {"width":1080,"height":1920,"seconds":20,"fps":30}';

const jobId = (raw: unknown) => {
  const s = String(raw);
  if (!/^[0-9a-f-]{36}$/.test(s)) throw new AppError(404, 'NOT_FOUND', 'There is no such job.');
  return s;
};

/** The timelapse video jobs under /api/admin (shared/timelapse.ts has the contract). */
export function timelapseRoutes(d: AdminDeps, jobs: TimelapseJobs): Router {
  const r = Router();
  const admin = [d.loginLimiter.handler, requireAdmin(d.config.ADMIN_TOKEN)];

  r.post('/api/admin/timelapse', ...admin, express.json({ limit: '4kb' }), (req, res) => {
    const b = parseBody(body, req, EXAMPLE);
    const preset = b.preset ? TIMELAPSE_PRESETS[b.preset] : undefined;
    const width = b.width ?? preset!.width;
    const height = b.height ?? preset!.height;
    const s = d.service;
    if (!gridFits(width, height, s.cols, s.rows))
      throw new AppError(
        400,
        'BAD_REQUEST',
        `A ${s.cols}x${s.rows} grid does not fit ${width}x${height}; ask for a larger video.`,
      );
    const job = jobs.start({
      width,
      height,
      seconds: b.seconds,
      fps: b.fps ?? L.defaultFps,
      ...(b.from ? { from: Date.parse(b.from) } : {}),
      ...(b.to ? { to: Date.parse(b.to) } : {}),
      ...(b.event ? { event: b.event } : {}),
      lang: b.lang ?? 'en',
    });
    res.status(202).location(`/api/admin/jobs/${job.id}`).json({ id: job.id });
  });

  r.get('/api/admin/jobs', ...admin, (_req, res) => {
    res.json({ jobs: jobs.list() });
  });

  r.get('/api/admin/jobs/:id', ...admin, (req, res) => {
    res.json(jobs.get(jobId(req.params.id)));
  });

  r.delete('/api/admin/jobs/:id', ...admin, (req, res) => {
    res.json(jobs.cancel(jobId(req.params.id)));
  });

  r.get('/api/admin/jobs/:id/video.mp4', ...admin, (req, res, next) => {
    const id = jobId(req.params.id);
    const file = jobs.file(id);
    const job = jobs.get(id);
    res.sendFile(
      file,
      {
        headers: {
          'Content-Type': 'video/mp4',
          'Content-Disposition': `attachment; filename="kiss4lgbtqrights-${job.width}x${job.height}.mp4"`,
          'Cache-Control': 'private, no-store',
          'X-Content-Type-Options': 'nosniff',
        },
      },
      (err) => {
        // Removed between the check and the send (a delete made it stale).
        if (err && !res.headersSent)
          next(new AppError(409, 'VIDEO_STALE', 'This video was just removed; ask for it again.'));
      },
    );
  });

  return r;
}
