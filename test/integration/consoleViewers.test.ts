/**
 * Viewers and screens online per rally: the client's own live feed (client/net/live.ts) sends
 * the rally and its role in the handshake, the server checks the code with the one rule and
 * counts each connection once, per rally, on one process and across a cluster's nodes.
 */
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOBODY, type Online, RedisOnline } from '../../server/stats/OnlineCounts.ts';
import { PROTOCOL_VERSION, type ProtocolError } from '../../shared/protocol.ts';
import type { AdminStats } from '../../shared/rallies.ts';
import { wireParser } from '../../shared/wire.ts';
import {
  type NodeProcess,
  REDIS_TEST_URL,
  redisPrefix,
  startTestCluster,
  type TestCluster,
} from '../support/cluster.ts';
import { Viewer } from './realtimeHarness.ts';
import { ADMIN, ADMIN_TOKEN, admin, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

async function online(url: string): Promise<AdminStats['online']> {
  const res = await fetch(`${url}/api/admin/stats`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return ((await res.json()) as AdminStats).online;
}

/** The handshake's answer to raw `auth`: 'connected', or the connect error's code. */
function handshake(url: string, auth: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(url, { auth, parser: wireParser, transports: ['websocket'], forceNew: true });
    s.on('connect', () => {
      s.close();
      resolve('connected');
    });
    s.on('connect_error', (err) => {
      s.close();
      resolve((err as Error & { data?: ProtocolError }).data?.code ?? err.message);
    });
  });
}

describe('viewers per rally, one process', () => {
  it('counts two viewers of one rally, one of another, one of none, and a screen apart', async () => {
    const s = await start();
    expect(await online(s.url)).toEqual(NOBODY);
    const a1 = await viewer(s.url, { event: 'london' });
    await viewer(s.url, { event: 'london' });
    await viewer(s.url, { event: 'paris' });
    await viewer(s.url);
    await viewer(s.url, { event: 'london', role: 'screen' });
    expect(await online(s.url)).toEqual({
      viewers: 4,
      screens: 1,
      viewersPerRally: { london: 2, paris: 1 },
      screensPerRally: { london: 1 },
    });
    a1.disconnect();
    await expect
      .poll(async () => (await online(s.url)).viewersPerRally, { timeout: 5000 })
      .toEqual({
        london: 1,
        paris: 1,
      });
  });

  it('keeps counting a viewer under the rally it joined after it reconnects', async () => {
    const s = await start();
    const v = await viewer(s.url, { event: 'london' });
    v.join('paris');
    await expect
      .poll(async () => (await online(s.url)).viewersPerRally, { timeout: 5000 })
      .toEqual({ paris: 1 });
    v.disconnect();
    await expect.poll(async () => (await online(s.url)).viewers, { timeout: 5000 }).toBe(0);
    await v.connect();
    expect((await online(s.url)).viewersPerRally).toEqual({ paris: 1 });
    v.join(null);
    v.disconnect();
    await v.connect();
    expect(await online(s.url)).toMatchObject({ viewers: 1, viewersPerRally: {} });
  });

  it('refuses an unlisted rally at the handshake, and the viewer page still shows the mosaic', async () => {
    const s = await start({ EVENTS: 'listed' });
    const made = await admin(s.url, '/api/admin/rallies', {
      code: 'lisbon',
      name: 'Beijaço',
      city: 'Lisboa',
      timeZone: 'Europe/Lisbon',
      date: '2026-06-13',
      language: 'pt-BR',
      moderation: null,
    });
    expect(made.status).toBe(201);
    const v = PROTOCOL_VERSION;
    expect(await handshake(s.url, { v, event: 'atlantis' })).toBe('UNKNOWN_EVENT');
    expect(await handshake(s.url, { v, event: 'atlantis', role: 'screen' })).toBe('UNKNOWN_EVENT');
    expect(await handshake(s.url, { v, event: 'Lisbon!' })).toBe('MALFORMED');
    expect(await handshake(s.url, { v, role: 'projector' })).toBe('MALFORMED');
    expect(await handshake(s.url, { v, event: 'lisbon' })).toBe('connected');

    // The client's feed: refused for the unknown rally, it follows none and stays live.
    const lost = new Viewer(s.url, { event: 'atlantis' });
    try {
      await expect(lost.connect()).rejects.toThrow(/no rally "atlantis"/);
      await expect.poll(() => lost.synced.length, { timeout: 5000 }).toBeGreaterThan(0);
      await viewer(s.url, { event: 'lisbon' });
      expect(await online(s.url)).toEqual({
        viewers: 2,
        screens: 0,
        viewersPerRally: { lisbon: 1 },
        screensPerRally: {},
      });
    } finally {
      lost.close();
    }
  });
});

describe('viewers per rally, a cluster', () => {
  let cluster: TestCluster;
  let a: NodeProcess;
  let b: NodeProcess;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(['a', 'b'], { ADMIN_TOKEN });
    [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
  });
  afterAll(async () => {
    for (const v of viewers) v.close();
    await cluster?.close();
  });

  const open = async (url: string, opts: ConstructorParameters<typeof Viewer>[1] = {}) => {
    const v = new Viewer(url, opts);
    viewers.push(v);
    await v.connect();
    return v;
  };

  it('adds up every node’s viewers and screens per rally', async () => {
    await open(a.url, { event: 'london' });
    await open(b.url, { event: 'london' });
    await open(b.url, { event: 'paris' });
    await open(a.url);
    const screen = await open(b.url, { event: 'london', role: 'screen' });
    const whole = {
      viewers: 4,
      screens: 1,
      viewersPerRally: { london: 2, paris: 1 },
      screensPerRally: { london: 1 },
    };
    // Each node asks the others' published counts (every 5 s, and its own on each ask).
    await expect.poll(() => online(a.url), { timeout: 12_000, interval: 500 }).toEqual(whole);
    await expect.poll(() => online(b.url), { timeout: 12_000, interval: 500 }).toEqual(whole);
    screen.close();
    await expect.poll(async () => (await online(a.url)).screens, { timeout: 12_000, interval: 500 }).toBe(0);
  });
});

describe('the nodes’ counts in Redis', () => {
  it('drop a node that stopped publishing, and remove it on close', async () => {
    const redis = new Redis(REDIS_TEST_URL);
    const keys = redisPrefix();
    const key = `${keys.prefix}stats:online`;
    let now = 1_000_000;
    const clock = () => now;
    const one: Online = {
      viewers: 2,
      screens: 1,
      viewersPerRally: { rome: 2 },
      screensPerRally: { rome: 1 },
    };
    const a = new RedisOnline(redis, key, 'a', 15_000, clock);
    const b = new RedisOnline(redis, key, 'b', 15_000, clock);
    const c = new RedisOnline(redis, key, 'c', 15_000, clock);
    try {
      await b.publish(one);
      await c.publish(one);
      expect(await a.all(one)).toEqual({
        viewers: 6,
        screens: 3,
        viewersPerRally: { rome: 6 },
        screensPerRally: { rome: 3 },
      });
      await c.close();
      expect((await a.all(NOBODY)).viewers).toBe(2);
      now += 16_000;
      expect(await a.all(NOBODY)).toEqual(NOBODY);
      expect(await redis.hkeys(key)).toEqual(['a']);
    } finally {
      await keys.clean();
      redis.disconnect();
    }
  });
});
