import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { HttpErrorBody } from '../../shared/httpApi.ts';
import { AppError } from '../errors.ts';
import { isDiskFull, storageFull } from './StorageGuard.ts';

/** Sends `{ error: { code, message } }` for AppErrors; a generic 500 for anything else. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  // Whatever is left of a refused body is read and dropped, so that the client gets this
  // answer rather than a reset while it is still sending.
  req.resume();
  if (res.headersSent) {
    res.end();
    return;
  }
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (isDiskFull(err)) e = storageFull();
  else if (err?.type === 'entity.too.large')
    e = new AppError(413, 'FILE_TOO_LARGE', 'The request body is too large.');
  else if (err?.type === 'entity.parse.failed')
    e = new AppError(400, 'BAD_REQUEST', 'The request body is not valid JSON.');
  else {
    console.error('unexpected error:', err);
    e = new AppError(500, 'INTERNAL', 'Something went wrong on our side. Please try again.');
  }
  // For the console's refusal counts (server/stats/watchUploads.ts).
  res.locals.errorCode = e.code;
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  const body: HttpErrorBody = { error: { code: e.code, message: e.message } };
  res.status(e.status).json(body);
};

/** 404 for unknown API routes, in the same shape. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError(404, 'NOT_FOUND', 'There is nothing here.'));
};

/** Parses a positive integer id route parameter or throws 404. */
export function parseId(raw: unknown): number {
  const s = String(raw);
  if (!/^[1-9][0-9]{0,9}$/.test(s)) throw new AppError(404, 'NOT_FOUND', 'There is no such tile.');
  return Number(s);
}
