import type { RequestHandler } from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import { AppError } from '../errors.ts';
import type { ClientKeys } from './clientKey.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface LimitSpec {
  /** Requests allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /** For the 429 message, e.g. "5 photos a minute". */
  describe: (limit: number) => string;
  /** Count only requests whose answer has one of these statuses (e.g. 401 for failed admin logins). */
  countStatuses?: readonly number[];
}

/** A rate limiter and the store it counts in (so that close() can stop its timer). */
export interface Limiter {
  handler: RequestHandler;
  close(): void;
}

const off: Limiter = { handler: (_req, _res, next) => next(), close: () => {} };

/**
 * One express-rate-limit limiter keyed by the client's hashed address (IPv6 by /56;
 * `trust proxy` decides which address, by hop count). Over the limit it answers
 * 429 RATE_LIMITED in the API's error shape, with Retry-After in seconds.
 */
export function limiter(keys: ClientKeys, spec: LimitSpec): Limiter {
  if (spec.limit <= 0) return off;
  const store = new MemoryStore();
  const handler = rateLimit({
    windowMs: spec.windowMs,
    limit: spec.limit,
    store,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipSuccessfulRequests: !!spec.countStatuses,
    requestWasSuccessful: (_req, res) => !spec.countStatuses?.includes(res.statusCode),
    // ofAddress applies ipKeyGenerator (IPv6 by /56) before hashing; the library's source-text
    // check cannot see that, so it is switched off here.
    keyGenerator: (req) => keys.ofAddress(req.ip),
    validate: { keyGeneratorIpFallback: false },
    handler: (req, res, next) => {
      const wait = Number(res.getHeader('Retry-After')) || Math.ceil(spec.windowMs / 1000);
      // Drain what is left of an upload so that the client reads this answer, not a reset.
      req.resume();
      next(
        new AppError(
          429,
          'RATE_LIMITED',
          `Too many requests from your network: at most ${spec.describe(spec.limit)}. Please try again in ${wait} seconds.`,
          { 'Retry-After': String(wait) },
        ),
      );
    },
  });
  return { handler, close: () => store.shutdown() };
}

/** Options of {@link uploadLimiters}. */
export interface UploadLimitOptions {
  /** Per minute; 0 turns off both limits (tests, benchmarks, bulk imports). */
  perMinute: number;
  /** Per day; 0 turns off only this one. */
  perDay: number;
  /** Shorter windows for tests; default one minute and one day. */
  minuteMs?: number;
  dayMs?: number;
}

/** The per-minute and per-day limits on POST /api/tiles. Every attempt counts, refused ones too. */
export function uploadLimiters(keys: ClientKeys, o: UploadLimitOptions): Limiter[] {
  if (o.perMinute <= 0) return [];
  return [
    limiter(keys, {
      limit: o.perMinute,
      windowMs: o.minuteMs ?? MINUTE,
      describe: (n) => `${n} photos a minute`,
    }),
    limiter(keys, { limit: o.perDay, windowMs: o.dayMs ?? DAY, describe: (n) => `${n} photos a day` }),
  ];
}
