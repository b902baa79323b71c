import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * What the cluster's safety state keeps in Redis, all under one prefix (e.g. `kiss:`) so that
 * several mosaics, or test runs, can share a server. Nothing here may not be lost: a Redis
 * that restarts empty only resets limits, replays and open flags. Every value is under a
 * hashed key; none holds an address, a client id or an Idempotency-Key in the clear.
 *
 * | key                               | type   | TTL            | holds                                       |
 * | --------------------------------- | ------ | -------------- | ------------------------------------------- |
 * | `keysecret`                       | string | 2 days         | the 32-byte HMAC secret of ClientKeys       |
 * | `rl:<limiter>:<clientKey>`        | string | the window     | hits in the window (rate-limit-redis)       |
 * | `idem:<sha256('id:'+key)>`        | string | 15 min         | `p` while processing, else the sealed reply |
 * | `idem-tile:<tileId>`              | string | 15 min         | the `idem:` key of that tile's reply        |
 * | `flags:<tileId>`                  | hash   | 30 days        | count, `r:<reason>` counts, `a:`/`c:` keys  |
 * | `sock:<addressKey>:<nodeId>`      | string | 30 s           | that node's open connections from there     |
 * | `nodes`                           | zset   | none           | node ids scored by last heartbeat (ms)      |
 *
 * The secret lives only in Redis's memory (run it without persistence for that to hold),
 * never on a node's disk. It expires after two days; nodes read it at start-up, so a cluster
 * whose nodes start more than two days apart should restart them together.
 */
export const KEY_SECRET_TTL_MS = 2 * 24 * 3600_000;

/**
 * The HMAC secret every node of a cluster shares: the first node to ask draws a random one
 * (SET NX, so that racing nodes agree), the others read it.
 */
export async function sharedKeySecret(redis: Redis, prefix: string): Promise<Buffer> {
  const key = `${prefix}keysecret`;
  await redis.set(key, randomBytes(32), 'PX', KEY_SECRET_TTL_MS, 'NX');
  const secret = await redis.getBuffer(key);
  if (secret?.length !== 32) throw new Error(`no 32-byte secret at ${key}`);
  return secret;
}

/**
 * A logger for "Redis is unavailable, carrying on without it": one line per `everyMs` at
 * most, with how many failures it stands for, so that an outage does not flood the log.
 */
export function outageLog(
  what: string,
  everyMs = 60_000,
  log: (line: string) => void = (line) => console.error(line),
): (err: unknown) => void {
  let last = Number.NEGATIVE_INFINITY;
  let quiet = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < everyMs) {
      quiet++;
      return;
    }
    const more = quiet ? ` (and ${quiet} more since the last report)` : '';
    log(`${what}: Redis unavailable, carrying on without it: ${(err as Error)?.message ?? err}${more}`);
    last = now;
    quiet = 0;
  };
}
