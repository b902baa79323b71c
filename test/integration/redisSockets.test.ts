import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientKeys } from '../../server/safety/clientKey.ts';
import {
  type ClusterSocketLimit,
  limitSocketsAcrossCluster,
} from '../../server/safety/clusterSocketLimit.ts';
import { sharedKeySecret } from '../../server/safety/redisKeys.ts';
import { deadRedis, useRedis } from '../support/redis.ts';

const { prefix, redis, client } = useRedis();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** One "node": a bare Socket.IO server on port 0 with the cluster's limit. */
async function node(
  nodeId: string,
  keys: ClientKeys,
  r = client(),
  timing: { heartbeatMs?: number; deadAfterMs?: number } = {},
) {
  const http = createServer();
  const io = new Server(http);
  const limit: ClusterSocketLimit = await limitSocketsAcrossCluster(io, keys, {
    max: 3,
    trustProxyHops: 0,
    redis: r,
    prefix,
    nodeId,
    log: () => {},
    ...timing,
  });
  await new Promise<void>((res) => http.listen(0, '127.0.0.1', res));
  cleanup.push(async () => {
    await limit.close();
    await io.close();
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, limit };
}

/** Connects over WebSocket; true when the server took it, false when it refused the handshake. */
function tryConnect(url: string): Promise<{ ok: boolean; socket: Socket }> {
  const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  cleanup.push(() => {
    socket.disconnect();
  });
  return new Promise((res) => {
    socket.once('connect', () => res({ ok: true, socket }));
    socket.once('connect_error', () => res({ ok: false, socket }));
  });
}

describe('live connections per address across the cluster', () => {
  it('count the connections on every node: 3 on A and a fourth on B is refused, until one closes', async () => {
    const keys = new ClientKeys(await sharedKeySecret(redis, prefix));
    const a = await node('node-a', keys);
    const b = await node('node-b', new ClientKeys(await sharedKeySecret(client(), prefix)));
    const onA = [];
    for (let i = 0; i < 3; i++) onA.push(await tryConnect(a.url));
    expect(onA.map((c) => c.ok)).toEqual([true, true, true]);
    expect(a.limit.open(keys.ofAddress('127.0.0.1'))).toBe(3);
    expect((await tryConnect(b.url)).ok).toBe(false);
    expect((await tryConnect(a.url)).ok).toBe(false);

    onA[0]!.socket.disconnect();
    await expect.poll(() => redis.get(`${prefix}sock:${keys.ofAddress('127.0.0.1')}:node-a`)).toBe('2');
    expect((await tryConnect(b.url)).ok).toBe(true);
    expect((await tryConnect(a.url)).ok).toBe(false);
    expect(await redis.zrange(`${prefix}nodes`, 0, -1)).toEqual(expect.arrayContaining(['node-a', 'node-b']));
  });

  it('leave out the counts of a node that stopped beating', async () => {
    const keys = new ClientKeys(await sharedKeySecret(redis, prefix));
    const stalled = await node('node-stalled', keys, client(), { heartbeatMs: 3600_000, deadAfterMs: 300 });
    const b = await node('node-e', keys, client(), { deadAfterMs: 300 });
    for (let i = 0; i < 3; i++) expect((await tryConnect(stalled.url)).ok).toBe(true);
    expect((await tryConnect(b.url)).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect((await tryConnect(b.url)).ok).toBe(true);
  });

  it('hold to the node’s own count while Redis is unreachable', async () => {
    const lonely = await node('node-c', new ClientKeys(), deadRedis(client));
    for (let i = 0; i < 3; i++) expect((await tryConnect(lonely.url)).ok).toBe(true);
    expect((await tryConnect(lonely.url)).ok).toBe(false);
  });
});
