import type { RequestHandler } from 'express';
import type { StatsBook } from './StatsBook.ts';

/**
 * Put before everything else on POST /api/tiles (the rate limits included): counts each
 * refusal by its error code, and the time from the request's first byte to a 201, which the
 * server sends once the placement is committed and handed to the viewers' broadcast.
 */
export function watchUploads(stats: StatsBook): RequestHandler {
  return (_req, res, next) => {
    const t0 = performance.now();
    res.on('finish', () => {
      if (res.statusCode === 201) stats.visibleAfter(performance.now() - t0);
      else if (res.statusCode >= 400) stats.refused(String(res.locals.errorCode ?? `HTTP_${res.statusCode}`));
    });
    next();
  };
}
