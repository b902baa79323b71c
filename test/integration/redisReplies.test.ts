import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RedisUploadReplies } from '../../server/http/RedisUploadReplies.ts';
import type { UploadReply } from '../../server/http/uploadReplies.ts';
import { deadRedis, deleteKeys, useRedis } from '../support/redis.ts';

const { prefix, redis, client } = useRedis();

const reply = (id: number): UploadReply => ({
  status: 201,
  body: { id, col: 1, row: 2, seq: id, deleteToken: `delete-token-of-tile-${id}-xyz` },
});

/** Two "nodes", each with its own connection, sharing one prefix. */
const nodes = (ttlMs?: number) =>
  [client(), client()].map((r) => new RedisUploadReplies(r, { prefix, ttlMs, pollMs: 50 })) as [
    RedisUploadReplies,
    RedisUploadReplies,
  ];

async function allValues(): Promise<string> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}idem*`, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  const values = keys.length ? await redis.mget(...keys) : [];
  return [...keys, ...values].join('\n');
}

describe('upload replies in Redis', () => {
  it('replay on another node, sealed: Redis holds neither the key nor the delete token', async () => {
    const [a, b] = nodes();
    const key = 'replay-across-nodes-0001';
    expect(await b.replay(key)).toBeNull();
    expect(await a.make(key, async () => reply(1))).toEqual(reply(1));
    expect(await b.replay(key)).toEqual(reply(1));
    expect(await b.replay('another-key-of-16-chars')).toBeNull();
    const raw = await allValues();
    expect(raw).toMatch(/idem:/);
    expect(raw).toMatch(/idem-tile:1/);
    expect(raw).not.toContain(key);
    expect(raw).not.toContain('delete-token');
    expect(raw).not.toContain(Buffer.from('delete-token').toString('base64url'));
    const entry = (await redis.get(`${prefix}idem-tile:1`))!;
    expect(await redis.pttl(entry)).toBeGreaterThan(14 * 60_000);
  });

  it('let a copy on another node wait for the answer being made, and take it', async () => {
    const [a, b] = nodes();
    const key = 'waiting-copy-key-000001';
    let finish!: (r: UploadReply) => void;
    const first = a.make(key, () => new Promise((res) => (finish = res)));
    await sleep(50);
    const waiting = b.replay(key);
    let made = false;
    const racing = b.make(key, async () => {
      made = true;
      return reply(99);
    });
    await sleep(300);
    finish(reply(2));
    expect(await first).toEqual(reply(2));
    expect(await waiting).toEqual(reply(2));
    expect(await racing).toEqual({ ...reply(2), replayed: true });
    expect(made).toBe(false);
  });

  it('renew the marker while the work runs longer than its life', async () => {
    const [ra, rb] = [client(), client()];
    const a = new RedisUploadReplies(ra, { prefix, markerMs: 150, pollMs: 50 });
    const b = new RedisUploadReplies(rb, { prefix, markerMs: 150, pollMs: 50 });
    const key = 'long-work-key-000000001';
    const first = a.make(key, () => sleep(600).then(() => reply(8)));
    await sleep(50);
    let made = false;
    const copy = b.make(key, async () => {
      made = true;
      return reply(98);
    });
    expect(await first).toEqual(reply(8));
    expect(await copy).toEqual({ ...reply(8), replayed: true });
    expect(made).toBe(false);
  });

  it('keep no failed attempt: a waiting copy then does the work anew', async () => {
    const [a, b] = nodes();
    const key = 'failed-attempt-key-0001';
    let fail!: (e: Error) => void;
    const first = a.make(key, () => new Promise((_res, rej) => (fail = rej)));
    await sleep(50);
    const waiting = b.replay(key);
    const copy = b.make(key, async () => reply(3));
    await sleep(200);
    fail(new Error('corrupt photo'));
    await expect(first).rejects.toThrow('corrupt photo');
    expect(await waiting).toBeNull();
    expect(await copy).toEqual(reply(3));
    expect(await a.replay(key)).toEqual(reply(3));
    await expect(
      a.make('fails-alone-key-000001', async () => Promise.reject(new Error('x'))),
    ).rejects.toThrow();
    expect(await b.replay('fails-alone-key-000001')).toBeNull();
  });

  it('forget a deleted tile on every node, and expire after the TTL', async () => {
    const [a, b] = nodes(300);
    await a.make('forget-me-key-000000001', async () => reply(4));
    await a.make('keep-me-key-00000000001', async () => reply(5));
    await b.forget([4, 77]);
    expect(await a.replay('forget-me-key-000000001')).toBeNull();
    expect(await a.replay('keep-me-key-00000000001')).toEqual(reply(5));
    await sleep(400);
    expect(await b.replay('keep-me-key-00000000001')).toBeNull();
    expect(await redis.exists(`${prefix}idem-tile:5`)).toBe(0);
  });

  it('still take uploads with Redis unavailable, without replay', async () => {
    const lines: string[] = [];
    const r = new RedisUploadReplies(deadRedis(client), { prefix, log: (l) => lines.push(l) });
    expect(await r.replay('no-redis-key-0000000001')).toBeNull();
    expect(await r.make('no-redis-key-0000000001', async () => reply(6))).toEqual(reply(6));
    await expect(
      r.make('no-redis-key-0000000002', async () => Promise.reject(new Error('bad'))),
    ).rejects.toThrow('bad');
    await r.forget([6]);
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/upload replies: Redis unavailable/);
    await deleteKeys(redis, prefix);
  });
});
