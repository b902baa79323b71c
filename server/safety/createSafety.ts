import type { Server } from 'socket.io';
import type { Config } from '../config.ts';
import type { MosaicPort } from '../core/port.ts';
import { AppError } from '../errors.ts';
import { phashOf } from '../ingest/phash.ts';
import type { IngestedPhoto } from '../ingest/pipeline.ts';
import { ClientKeys } from './clientKey.ts';
import { DUPLICATE_MESSAGE, DuplicateIndex } from './DuplicateIndex.ts';
import { FlagBook, type FlagStore, flagStoreOf } from './FlagBook.ts';
import { type Limiter, limiter, type StoreFactory, uploadLimiters } from './rateLimits.ts';
import { limitSocketsPerAddress } from './socketLimit.ts';

/** Everything the safety features share: keys, limiters, flags and the duplicate index. */
export interface Safety {
  keys: ClientKeys;
  flags: FlagStore;
  /** null when DUPLICATE_CHECK=0 */
  duplicates: DuplicateIndex | null;
  /** Run on POST /api/tiles before the upload is read. */
  uploadLimiters: Limiter[];
  flagLimiter: Limiter;
  /** Counts 401s on the admin API per client. */
  loginLimiter: Limiter;
  /** The `beforeStore` hook of the upload route: hashes the photo and refuses a near-duplicate. */
  beforeStore(photo: IngestedPhoto): Promise<{ phash: string | null }>;
  /** Limits live connections per address. */
  attachLive(io: Server): Promise<void>;
  close(): void;
}

/**
 * What a cluster shares instead of this process's memory (each defaults to the in-memory
 * one): keys from the cluster's secret, `RedisFlags`, `redisRateStores`.
 */
export interface SharedSafety {
  keys?: ClientKeys;
  flags?: FlagStore;
  /** Where every limiter counts. */
  limitStore?: StoreFactory;
  /** Limits live connections per address (default: this process's own count). */
  limitSockets?: (io: Server, keys: ClientKeys) => Promise<{ close(): unknown }>;
}

export function createSafety(service: MosaicPort, config: Config, shared: SharedSafety = {}): Safety {
  const keys = shared.keys ?? new ClientKeys();
  const flags = shared.flags ?? flagStoreOf(new FlagBook(config.FLAG_THRESHOLD));
  const store = shared.limitStore;
  const duplicates = config.DUPLICATE_CHECK ? new DuplicateIndex(config.DUPLICATE_THRESHOLD) : null;
  if (duplicates) for (const t of service.all()) if (t.phash) duplicates.add(t.id, t.phash);
  const unsubscribe = service.subscribeTiles((e) => {
    if (e.type === 'stored') {
      if (e.tile.phash) duplicates?.add(e.tile.id, e.tile.phash);
      return;
    }
    for (const id of e.ids) {
      duplicates?.delete(id);
      flags.clear(id).catch((err) => console.error(`flags of tile ${id} not cleared:`, err));
    }
  });
  const uploads = uploadLimiters(keys, {
    perMinute: config.UPLOAD_RATE_LIMIT,
    perDay: config.UPLOAD_DAILY_LIMIT,
    networkPerMinute: config.UPLOAD_NETWORK_RATE_LIMIT,
    networkPerDay: config.UPLOAD_NETWORK_DAILY_LIMIT,
    store,
  });
  const flagLimiter = limiter(keys, {
    name: 'flag',
    store,
    limit: 30,
    windowMs: 10 * 60_000,
    describe: (n) => `${n} flags in 10 minutes`,
  });
  const loginLimiter = limiter(keys, {
    name: 'login',
    store,
    limit: 20,
    windowMs: 15 * 60_000,
    describe: (n) => `${n} wrong admin tokens in 15 minutes`,
    countStatuses: [401],
  });
  let live: { close(): unknown } | null = null;

  return {
    keys,
    flags,
    duplicates,
    uploadLimiters: uploads,
    flagLimiter,
    loginLimiter,
    async beforeStore(photo) {
      // The hash is stored even with the check off, so that turning it on later covers old tiles.
      const phash = phashOf(photo.small);
      if (!duplicates) return { phash };
      if (duplicates.find(phash) !== null) throw new AppError(409, 'DUPLICATE_PHOTO', DUPLICATE_MESSAGE);
      duplicates.reserve(phash);
      return { phash };
    },
    async attachLive(io) {
      if (shared.limitSockets) {
        live = await shared.limitSockets(io, keys);
        return;
      }
      live = limitSocketsPerAddress(io, keys, {
        max: config.SOCKETS_PER_IP,
        trustProxyHops: config.TRUST_PROXY_HOPS,
      });
    },
    close() {
      unsubscribe();
      live?.close();
      for (const l of [...uploads, flagLimiter, loginLimiter]) l.close();
    },
  };
}
