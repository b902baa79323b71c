import type { Redis } from 'ioredis';
import type { AdminStats } from '../../shared/rallies.ts';
import type { LiveServer } from '../realtime/LiveBroadcaster.ts';

export type Online = AdminStats['online'];

/** Nobody online. */
export const NOBODY: Online = { viewers: 0, screens: 0, viewersPerRally: {}, screensPerRally: {} };

/**
 * This process's live connections by what they show the mosaic on (the handshake's `role`) and
 * the rally they follow. Counts only. A viewer that follows no rally counts in `viewers` alone.
 */
export function countOnline(io: LiveServer): Online {
  const out: Online = { viewers: 0, screens: 0, viewersPerRally: {}, screensPerRally: {} };
  for (const socket of io.of('/').sockets.values()) {
    const { role, event } = socket.data;
    const screen = role === 'screen';
    if (screen) out.screens++;
    else out.viewers++;
    if (!event) continue;
    const per = screen ? out.screensPerRally : out.viewersPerRally;
    per[event] = (per[event] ?? 0) + 1;
  }
  return out;
}

/** Adds `b`'s counts to `a`'s. */
export function addOnline(a: Online, b: Online): Online {
  const per = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  return {
    viewers: a.viewers + b.viewers,
    screens: a.screens + b.screens,
    viewersPerRally: per(a.viewersPerRally, b.viewersPerRally),
    screensPerRally: per(a.screensPerRally, b.screensPerRally),
  };
}

/** Where the online counts of every node meet. */
export interface OnlineCounts {
  /** Tells the others this node's counts (called every few seconds and before {@link all}). */
  publish(own: Online): Promise<void>;
  /** Every node's counts added up, this node's `own` included. */
  all(own: Online): Promise<Online>;
  close(): Promise<void>;
}

/** One process: its own counts are all there are. */
export class LocalOnline implements OnlineCounts {
  async publish(): Promise<void> {}
  async all(own: Online): Promise<Online> {
    return own;
  }
  async close(): Promise<void> {}
}

/**
 * A cluster: each node keeps its own counts in one Redis hash (`<prefix>stats:online`, a field
 * per node, stamped with the time). A node that stopped publishing (killed, cut off) drops out
 * after `staleMs`: counts that may be lost and rebuilt, never a running total that drifts.
 * While Redis is away, a node answers with its own counts.
 */
export class RedisOnline implements OnlineCounts {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly node: string,
    private readonly staleMs = 15_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async publish(own: Online): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key, this.node, JSON.stringify({ at: this.clock(), ...own }))
      .pexpire(this.key, this.staleMs * 4)
      .exec();
  }

  async all(own: Online): Promise<Online> {
    let entries: Record<string, string>;
    try {
      await this.publish(own);
      entries = await this.redis.hgetall(this.key);
    } catch {
      return own;
    }
    let sum = NOBODY;
    const stale: string[] = [];
    for (const [node, text] of Object.entries(entries)) {
      if (node === this.node) continue;
      try {
        const { at, ...counts } = JSON.parse(text) as Online & { at: number };
        if (at < this.clock() - this.staleMs) stale.push(node);
        else sum = addOnline(sum, counts);
      } catch {
        stale.push(node);
      }
    }
    if (stale.length) await this.redis.hdel(this.key, ...stale).catch(() => {});
    return addOnline(sum, own);
  }

  async close(): Promise<void> {
    await this.redis.hdel(this.key, this.node).catch(() => {});
  }
}
