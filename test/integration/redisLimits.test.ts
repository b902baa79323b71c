import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../server/http/errorHandler.ts';
import { ClientKeys } from '../../server/safety/clientKey.ts';
import { type StoreFactory, uploadLimiters } from '../../server/safety/rateLimits.ts';
import { sharedKeySecret } from '../../server/safety/redisKeys.ts';
import { redisRateStores } from '../../server/safety/redisRateStore.ts';
import { deadRedis, useRedis } from '../support/redis.ts';

const { prefix, redis, client } = useRedis();
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

/** One "node": its own ClientKeys and upload limiters in front of a route that always says 201. */
async function node(keys: ClientKeys, store: StoreFactory): Promise<string> {
  const app = express();
  const limits = uploadLimiters(keys, {
    perMinute: 5,
    perDay: 100,
    networkPerMinute: 0,
    networkPerDay: 0,
    store,
  });
  for (const l of limits) app.post('/api/tiles', l.handler);
  app.post('/api/tiles', (_req, res) => {
    res.status(201).json({ ok: true });
  });
  app.use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, clientId: string) =>
  fetch(`${url}/api/tiles`, { method: 'POST', headers: { 'x-client-id': clientId } });

describe('rate limits counted in Redis', () => {
  it('share one secret, so that every node hashes an address alike', async () => {
    const [a, b] = await Promise.all([sharedKeySecret(redis, prefix), sharedKeySecret(client(), prefix)]);
    expect(a).toEqual(b);
    expect(a.length).toBe(32);
    const pttl = await redis.pttl(`${prefix}keysecret`);
    expect(pttl).toBeGreaterThan(47 * 3600_000);
    expect(new ClientKeys(a).ofAddress('203.0.113.9')).toBe(new ClientKeys(b).ofAddress('203.0.113.9'));
    expect(new ClientKeys(a).ofAddress('203.0.113.9')).not.toBe(new ClientKeys().ofAddress('203.0.113.9'));
  });

  it('hold for the cluster: a browser gets its 5 a minute across two nodes, not 5 on each', async () => {
    const secret = await sharedKeySecret(redis, prefix);
    const a = await node(new ClientKeys(secret), redisRateStores(client(), prefix));
    const b = await node(new ClientKeys(secret), redisRateStores(client(), prefix));
    const id = 'browser-across-nodes-0001';
    const statuses: number[] = [];
    for (const url of [a, b, a, b, a]) statuses.push((await post(url, id)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    const sixth = await post(b, id);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(sixth.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const body = (await sixth.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/this device: at most 5 photos a minute/);
    expect((await post(a, id)).status).toBe(429);
    // Another browser has its own budget; the counts are under the limiter's prefix.
    expect((await post(a, 'another-browser-000000001')).status).toBe(201);
    const counted = await redis.keys(`${prefix}rl:upload-minute:*`);
    expect(counted.length).toBe(2);
  });

  it('count again once Redis is back, though it was away when the limiter started', async () => {
    const late = client(undefined, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const a = await node(new ClientKeys(), redisRateStores(late, prefix));
    // Its scripts could not be loaded at start; the failed command made the client connect.
    await expect.poll(() => late.status).toBe('ready');
    const id = 'browser-redis-comes-back';
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await post(a, id)).status);
    // The first requests after the outage reload the store's scripts and pass uncounted.
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.at(-1)).toBe(429);
  });

  it('let requests through while Redis is unreachable', async () => {
    const a = await node(new ClientKeys(), redisRateStores(deadRedis(client), prefix));
    for (let i = 0; i < 8; i++) expect((await post(a, 'browser-with-no-redis-01')).status).toBe(201);
  });
});
