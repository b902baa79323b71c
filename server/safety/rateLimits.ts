import type { Request, RequestHandler } from 'express';
import { MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../errors.ts';
import { browserId, type ClientKeys } from './clientKey.ts';
import { outageLog } from './redisKeys.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Makes the store a limiter counts in, given the limiter's name (e.g. `redisRateStores` in
 * redisRateStore.ts, so that the limits hold for a whole cluster). Default: in memory.
 */
export type StoreFactory = (name: string) => Store;

export interface LimitSpec {
  /** Tells this limiter's counts from the others' in a shared store, e.g. 'flag'. */
  name: string;
  /** Where the hits are counted (default: this process's memory). */
  store?: StoreFactory;
  /** Requests allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /** For the 429 message, e.g. "5 photos a minute". */
  describe: (limit: number) => string;
  /** Count only requests whose answer has one of these statuses (e.g. 401 for failed admin logins). */
  countStatuses?: readonly number[];
  /** What is counted (default: the client's network, its hashed address). */
  key?: (req: Request) => string;
  /** Who the 429 message says sent too many (default "your network"). */
  who?: string;
}

/** A rate limiter and the store it counts in (so that close() can stop its timer). */
export interface Limiter {
  handler: RequestHandler;
  close(): void;
}

// One line a minute at most for all the limiters of this process while their store is down.
const storeDown = outageLog('rate limits');

const off: Limiter = { handler: (_req, _res, next) => next(), close: () => {} };

/**
 * One express-rate-limit limiter keyed by the client's hashed address (IPv6 by /56;
 * `trust proxy` decides which address, by hop count). Over the limit it answers
 * 429 RATE_LIMITED in the API's error shape, with Retry-After in seconds.
 */
export function limiter(keys: ClientKeys, spec: LimitSpec): Limiter {
  if (spec.limit <= 0) return off;
  const store = spec.store?.(spec.name) ?? new MemoryStore();
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
    keyGenerator: spec.key ?? ((req) => keys.ofAddress(req.ip)),
    validate: { keyGeneratorIpFallback: false },
    // A shared store that is down lets requests through rather than failing them all.
    ...(spec.store && {
      passOnStoreError: true,
      logger: { error: storeDown, warn: (e, m) => console.warn(m ?? '', e) },
    }),
    handler: (req, res, next) => {
      const wait = Number(res.getHeader('Retry-After')) || Math.ceil(spec.windowMs / 1000);
      // Drain what is left of an upload so that the client reads this answer, not a reset.
      req.resume();
      next(
        new AppError(
          429,
          'RATE_LIMITED',
          `Too many requests from ${spec.who ?? 'your network'}: at most ${spec.describe(spec.limit)}. Please try again in ${wait} seconds.`,
          { 'Retry-After': String(wait) },
        ),
      );
    },
  });
  return { handler, close: () => store.shutdown?.() };
}

/** Options of {@link uploadLimiters}. */
export interface UploadLimitOptions {
  /** Per browser per minute; 0 turns off every upload limit (tests, benchmarks, bulk imports). */
  perMinute: number;
  /** Per browser per day; 0 turns off only this one. */
  perDay: number;
  /** Per network (address, IPv6 /56) per minute, all its browsers together; 0: off. */
  networkPerMinute: number;
  /** Per network per day; 0: off. */
  networkPerDay: number;
  /** Shorter windows for tests; default one minute and one day. */
  minuteMs?: number;
  dayMs?: number;
  /** Where the hits are counted (default: this process's memory). */
  store?: StoreFactory;
}

/**
 * The limits on POST /api/tiles, in the order they apply. Every attempt counts, refused ones
 * too. A browser that says who it is (the add page sends its X-Client-Id) has a budget of its
 * own, so that a crowd behind one address (a rally's Wi-Fi, a carrier's NAT) is not held to
 * one person's; the network's larger budget bounds what any number of ids can send. A request
 * with no id is counted as its network's anonymous browser.
 */
export function uploadLimiters(keys: ClientKeys, o: UploadLimitOptions): Limiter[] {
  if (o.perMinute <= 0) return [];
  const minute = o.minuteMs ?? MINUTE;
  const day = o.dayMs ?? DAY;
  const perBrowser = (req: Request) => {
    const id = browserId(req.headers);
    return id ? keys.of('browser', id) : keys.ofAddress(req.ip);
  };
  const photos = (unit: string) => (n: number) => `${n} photos a ${unit}`;
  const all = [
    limiter(keys, {
      name: 'upload-minute',
      store: o.store,
      limit: o.perMinute,
      windowMs: minute,
      describe: photos('minute'),
      key: perBrowser,
      who: 'this device',
    }),
    limiter(keys, {
      name: 'upload-day',
      store: o.store,
      limit: o.perDay,
      windowMs: day,
      describe: photos('day'),
      key: perBrowser,
      who: 'this device',
    }),
    limiter(keys, {
      name: 'net-minute',
      store: o.store,
      limit: o.networkPerMinute,
      windowMs: minute,
      describe: photos('minute'),
    }),
    limiter(keys, {
      name: 'net-day',
      store: o.store,
      limit: o.networkPerDay,
      windowMs: day,
      describe: photos('day'),
    }),
  ];
  return all.filter((l) => l !== off);
}
