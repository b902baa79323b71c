import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { type ClientKeys, clientAddress } from './clientKey.ts';
import { outageLog } from './redisKeys.ts';
import type { SocketLimitOptions } from './socketLimit.ts';

/** Options of {@link limitSocketsAcrossCluster}. */
export interface ClusterSocketLimitOptions extends SocketLimitOptions {
  redis: Redis;
  /** Before every key, e.g. 'kiss:'. */
  prefix: string;
  /** This node's id, unique in the cluster. */
  nodeId: string;
  /** How often this node says it is alive (default 5 s); one silent for `deadAfterMs` (20 s) is dead. */
  heartbeatMs?: number;
  deadAfterMs?: number;
  /** How often this node's counts are written again (default 10 s), and how long one lives (30 s). */
  mirrorMs?: number;
  countTtlMs?: number;
  /** How long a handshake waits for Redis before the local count decides (default 1 s). */
  lookupTimeoutMs?: number;
  /** Where the "Redis unavailable" line goes (at most once a minute). */
  log?: (line: string) => void;
}

/** What {@link limitSocketsAcrossCluster} returns. */
export interface ClusterSocketLimit {
  /** This node's open connections from an address key. */
  open(key: string): number;
  /** Undoes the limit and takes this node's counts out of Redis. */
  close(): Promise<void>;
}

/**
 * {@link limitSocketsPerAddress} for a cluster: at most `max` open connections per address
 * (IPv6: per /56) on all nodes together. Each node counts its own, as before, and mirrors
 * each count to `sock:<addressKey>:<nodeId>` (30 s TTL, written on every change and every
 * 10 s); nodes are listed in the sorted set `nodes` by their last heartbeat. At the handshake
 * (Engine.IO's `allowRequest`, which may answer later) the node adds the counts of the live
 * nodes to its own. Handshakes being checked count as open meanwhile, so a burst to one node
 * cannot slip past; a burst spread over nodes may overshoot by what is in flight. With
 * Redis unavailable each node holds to its own count. The keys given must be the cluster's
 * (ClientKeys from `sharedKeySecret`).
 */
export async function limitSocketsAcrossCluster(
  io: Server,
  keys: ClientKeys,
  opts: ClusterSocketLimitOptions,
): Promise<ClusterSocketLimit> {
  if (opts.max <= 0) return { open: () => 0, close: async () => {} };
  const { redis, prefix, nodeId, max } = opts;
  const deadAfter = opts.deadAfterMs ?? 20_000;
  const ttl = opts.countTtlMs ?? 30_000;
  const lookupMs = opts.lookupTimeoutMs ?? 1_000;
  const down = outageLog('live connection limit', 60_000, opts.log);
  const nodesKey = `${prefix}nodes`;
  const countKey = (key: string, node: string) => `${prefix}sock:${key}:${node}`;
  const open = new Map<string, number>();
  // Handshakes allowed or being checked that are not connections yet, by request.
  const held = new Map<IncomingMessage, string>();
  const keyOf = (req: IncomingMessage) =>
    keys.ofAddress(
      clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustProxyHops),
    );
  const local = (key: string) => {
    let n = open.get(key) ?? 0;
    for (const k of held.values()) if (k === key) n++;
    return n;
  };
  const mirror = (key: string) => {
    const n = open.get(key) ?? 0;
    const write = n > 0 ? redis.set(countKey(key, nodeId), n, 'PX', ttl) : redis.del(countKey(key, nodeId));
    write.catch(down);
  };
  const elsewhere = async (key: string): Promise<number> => {
    const nodes = await redis.zrangebyscore(nodesKey, Date.now() - deadAfter, '+inf');
    const others = nodes.filter((n) => n !== nodeId);
    if (!others.length) return 0;
    const counts = await redis.mget(...others.map((n) => countKey(key, n)));
    return counts.reduce((sum, c) => sum + (Number(c) || 0), 0);
  };

  const previous = io.engine.opts.allowRequest;
  const refuse = (fn: (err: string | null | undefined, ok: boolean) => void) =>
    fn(`Too many open connections from your network (at most ${max}).`, false);
  io.engine.opts.allowRequest = (req, fn) => {
    const key = keyOf(req);
    if (local(key) >= max) return refuse(fn);
    held.set(req, key);
    // A handshake that never becomes a connection (refused below, or dropped) stops counting.
    const release = setTimeout(() => held.delete(req), 10_000);
    release.unref();
    const decide = (others: number) => {
      if (local(key) - (held.has(req) ? 1 : 0) + others >= max) {
        held.delete(req);
        return refuse(fn);
      }
      if (previous) previous(req, fn);
      else fn(null, true);
    };
    // A Redis that does not answer must not hold the handshake: the local count decides then.
    let late: NodeJS.Timeout | undefined;
    const slow = new Promise<never>((_, reject) => {
      late = setTimeout(() => reject(new Error('no answer in time')), lookupMs);
    });
    Promise.race([elsewhere(key), slow])
      .then(decide, (err) => {
        down(err);
        decide(0);
      })
      .finally(() => clearTimeout(late));
  };

  const onConnection = (raw: { request: IncomingMessage; once(ev: 'close', f: () => void): void }) => {
    const key = keyOf(raw.request);
    held.delete(raw.request);
    open.set(key, (open.get(key) ?? 0) + 1);
    mirror(key);
    raw.once('close', () => {
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
      mirror(key);
    });
  };
  io.engine.on('connection', onConnection);

  const heartbeat = async () => {
    const now = Date.now();
    await redis
      .multi()
      .zadd(nodesKey, now, nodeId)
      .zremrangebyscore(nodesKey, '-inf', now - deadAfter)
      .exec()
      .catch(down);
  };
  const remirror = () => {
    if (!open.size) return;
    const m = redis.multi();
    for (const [key, n] of open) m.set(countKey(key, nodeId), n, 'PX', ttl);
    m.exec().catch(down);
  };
  await heartbeat();
  const beat = setInterval(heartbeat, opts.heartbeatMs ?? 5_000);
  const again = setInterval(remirror, opts.mirrorMs ?? 10_000);

  return {
    open: (key) => open.get(key) ?? 0,
    async close() {
      clearInterval(beat);
      clearInterval(again);
      io.engine.off('connection', onConnection);
      io.engine.opts.allowRequest = previous;
      const m = redis.multi().zrem(nodesKey, nodeId);
      for (const k of open.keys()) m.del(countKey(k, nodeId));
      await m.exec().catch(down);
    },
  };
}
