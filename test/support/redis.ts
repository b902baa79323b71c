import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** The Redis the cluster tests use (shared with other runs: each test file keeps to its own prefix). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses. */
export function randomPrefix(): string {
  return `kisstest:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN + DEL, never KEYS or FLUSHDB on a shared server). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * Redis clients for one test file under one random prefix; after the file, its keys are
 * deleted and its clients closed. `client()` gives another connection (another "node").
 */
export function useRedis() {
  const prefix = randomPrefix();
  const clients: Redis[] = [];
  const client = (url = REDIS_URL, opts: Record<string, unknown> = {}) => {
    const r = new Redis(url, { lazyConnect: false, ...opts });
    // A client pointed at a closed port reports each failed attempt; the tests expect those.
    r.on('error', () => {});
    clients.push(r);
    return r;
  };
  const redis = client();
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    for (const c of clients) c.disconnect();
  });
  return { prefix, redis, client };
}

/** An ioredis client for a port where nothing listens: every command fails at once. */
export function deadRedis(make: ReturnType<typeof useRedis>['client']): Redis {
  return make('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}
