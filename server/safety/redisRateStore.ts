import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import type { StoreFactory } from './rateLimits.ts';

/**
 * rate-limit-redis's store, made to recover from an outage: it loads its Lua scripts once, at
 * init, and keeps the failed load if Redis was down then, so it would never count again.
 * This one loads them anew after a failure. The limiter lets requests through while Redis
 * is away (`passOnStoreError`).
 */
class RecoveringRedisStore implements Store {
  private inner: RedisStore;
  private options?: Options;
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.inner = this.make();
  }

  init(options: Options): Promise<void> {
    this.options = options;
    return this.inner.init(options);
  }

  get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.guard(() => this.inner.get(key));
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.guard(() => this.inner.increment(key));
  }

  decrement(key: string): Promise<void> {
    return this.guard(() => this.inner.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return this.guard(() => this.inner.resetKey(key));
  }

  private make(): RedisStore {
    return new RedisStore({
      prefix: this.prefix,
      sendCommand: (command: string, ...args: string[]) =>
        this.redis.call(command, ...args) as Promise<RedisReply>,
    });
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      // Next time, with fresh script loads (one reload at a time).
      if (this.options && !this.reloading) {
        const fresh = this.make();
        this.reloading = fresh
          .init(this.options)
          .then(() => {
            this.inner = fresh;
          })
          .catch(() => {})
          .finally(() => {
            this.reloading = null;
          });
      }
      throw err;
    }
  }
}

/**
 * Stores for {@link limiter} and {@link uploadLimiters} that count in Redis, so that a limit
 * holds for a whole cluster: each limiter counts under `${prefix}rl:${name}:<clientKey>`. The
 * nodes must hash clients alike (ClientKeys built from `sharedKeySecret`). The Redis client
 * is the caller's to close.
 */
export function redisRateStores(redis: Redis, prefix: string): StoreFactory {
  return (name) => new RecoveringRedisStore(redis, `${prefix}rl:${name}:`);
}
