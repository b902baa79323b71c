import type { Redis } from 'ioredis';
import { FLAG_REASONS, type FlagReason } from '../../shared/httpApi.ts';
import type { FlagOutcome, FlagStore, FlagSummary } from './FlagBook.ts';

/** Options of {@link RedisFlags}. */
export interface RedisFlagOptions {
  /** Before every key, e.g. 'kiss:'. */
  prefix: string;
  /** Distinct flags that hide a tile (FLAG_THRESHOLD). */
  threshold: number;
  /** How long an open case is kept after its last flag (default 30 days). */
  ttlMs?: number;
}

/**
 * One flag, atomic across the cluster. KEYS[1] the tile's hash; ARGV: address key, client
 * key, reason ('' for none), threshold, TTL in ms. Fields: `n` the count, `r:<reason>` the
 * counts by reason, `a:<addressKey>` and `c:<clientKey>` the flaggers seen.
 */
const FLAG = `
local k = KEYS[1]
if redis.call('HEXISTS', k, 'a:' .. ARGV[1]) == 1 or redis.call('HEXISTS', k, 'c:' .. ARGV[2]) == 1 then
  redis.call('PEXPIRE', k, ARGV[5])
  return 'repeat'
end
redis.call('HSET', k, 'a:' .. ARGV[1], 1, 'c:' .. ARGV[2], 1)
local n = redis.call('HINCRBY', k, 'n', 1)
if ARGV[3] ~= '' then redis.call('HINCRBY', k, 'r:' .. ARGV[3], 1) end
redis.call('PEXPIRE', k, ARGV[5])
if n == tonumber(ARGV[4]) then return 'hide' end
return 'counted'
`;

const COMMAND = 'kissFlag';
type FlagCommand = (
  key: string,
  addressKey: string,
  clientKey: string,
  reason: string,
  threshold: number,
  ttlMs: number,
) => Promise<FlagOutcome>;

/**
 * Viewers' flags in Redis, so that flags sent to different nodes add up and a repeat is seen
 * whichever node it reaches: the {@link FlagBook} rules, kept per tile in the hash
 * `flags:<id>` (opaque keys only) and applied by one Lua script, so that racing flags
 * cannot both see the threshold. An open case is forgotten `ttlMs` after its last flag.
 * Without Redis a flag fails (500) rather than counting where the cluster cannot see it.
 */
export class RedisFlags implements FlagStore {
  private readonly run: FlagCommand;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisFlagOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? 30 * 24 * 3600_000;
    // defineCommand sends EVALSHA and loads the script when Redis does not know it yet.
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: FLAG });
    const command = (redis as unknown as Record<string, FlagCommand>)[COMMAND]!;
    this.run = command.bind(redis);
  }

  flag(id: number, addressKey: string, clientKey: string, reason?: FlagReason): Promise<FlagOutcome> {
    return this.run(this.key(id), addressKey, clientKey, reason ?? '', this.opts.threshold, this.ttlMs);
  }

  /** One HMGET per tile, all in one pipeline: a queue of 200 is one write and one wait. */
  async summaries(ids: readonly number[]): Promise<FlagSummary[]> {
    if (ids.length === 0) return [];
    const fields = ['n', ...FLAG_REASONS.map((r) => `r:${r}`)];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.key(id), ...fields);
    const answers = (await pipe.exec()) ?? [];
    return ids.map((_, i) => {
      const [err, values] = answers[i] ?? [new Error('no answer')];
      if (err) throw err;
      const [n, ...counts] = values as (string | null)[];
      const reasons: Partial<Record<FlagReason, number>> = {};
      FLAG_REASONS.forEach((r, k) => {
        if (counts[k]) reasons[r] = Number(counts[k]);
      });
      return { count: Number(n ?? 0), reasons };
    });
  }

  async clear(id: number): Promise<void> {
    await this.redis.del(this.key(id));
  }

  private key(id: number): string {
    return `${this.opts.prefix}flags:${id}`;
  }
}
