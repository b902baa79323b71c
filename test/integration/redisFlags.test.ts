import { describe, expect, it } from 'vitest';
import { RedisFlags } from '../../server/safety/RedisFlags.ts';
import { flagCount } from '../support/moderation.ts';
import { useRedis } from '../support/redis.ts';

const { prefix, redis, client } = useRedis();

/** Two "nodes" with their own connections and one prefix. */
const nodes = (threshold: number, ttlMs?: number) =>
  [client(), client()].map((r) => new RedisFlags(r, { prefix, threshold, ttlMs })) as [
    RedisFlags,
    RedisFlags,
  ];

describe('flags in Redis', () => {
  it('add up across nodes, see repeats whichever node they reach, and say hide once', async () => {
    const [a, b] = nodes(3);
    expect(await a.flag(1, 'netA', 'c1', 'hate')).toBe('counted');
    expect(await b.flag(1, 'netA', 'c2')).toBe('repeat');
    expect(await b.flag(1, 'netB', 'c1')).toBe('repeat');
    expect(await b.flag(1, 'netB', 'c2', 'hate')).toBe('counted');
    expect(await a.flag(2, 'netA', 'c1')).toBe('counted');
    expect(await a.flag(1, 'netC', 'c3', 'spam')).toBe('hide');
    expect(await b.flag(1, 'netD', 'c4')).toBe('counted');
    expect(await flagCount(b, 1)).toBe(4);
    expect(await flagCount(a, 2)).toBe(1);
    // The queue's read: every tile's flags in one pipeline, in the order asked, none for a tile never flagged.
    expect(await a.summaries([1, 3, 2])).toEqual([
      { count: 4, reasons: { hate: 2, spam: 1 } },
      { count: 0, reasons: {} },
      { count: 1, reasons: {} },
    ]);
    expect(await a.summaries([])).toEqual([]);
    await b.clear(1);
    expect(await flagCount(a, 1)).toBe(0);
    expect(await a.flag(1, 'netA', 'c1')).toBe('counted');
    // Only opaque keys and counts are kept, and the case expires.
    const fields = Object.keys(await redis.hgetall(`${prefix}flags:1`)).sort();
    expect(fields).toEqual(['a:netA', 'c:c1', 'n']);
    expect(await redis.pttl(`${prefix}flags:1`)).toBeGreaterThan(29 * 24 * 3600_000);
  });

  it('hide exactly once when 20 flags race from two nodes', async () => {
    const [a, b] = nodes(3);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).flag(10, `net${i}`, `client${i}`, 'other')),
    );
    expect(outcomes.filter((o) => o === 'hide')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'counted')).toHaveLength(19);
    expect(await flagCount(a, 10)).toBe(20);
    expect(await b.summaries([10])).toEqual([{ count: 20, reasons: { other: 20 } }]);
  });

  it('forget an open case after its TTL', async () => {
    const [a] = nodes(3, 200);
    await a.flag(20, 'netA', 'c1');
    expect(await flagCount(a, 20)).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await flagCount(a, 20)).toBe(0);
  });
});
