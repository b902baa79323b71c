import type { Redis } from 'ioredis';

/** Refused uploads by error code: counts only. */
export interface RefusalCounts {
  add(code: string): void;
  all(): Promise<Record<string, number>>;
}

/** This process's counts, since it started (the embedded default). */
export class MemoryRefusals implements RefusalCounts {
  private readonly counts = new Map<string, number>();
  add(code: string): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
  }
  async all(): Promise<Record<string, number>> {
    return Object.fromEntries(this.counts);
  }
}

/**
 * The whole cluster's counts in one Redis hash (`<prefix>stats:refused`), since the hash was
 * made. Redis may lose them (an outage, a flush); while it is away a node keeps its own.
 */
export class RedisRefusals implements RefusalCounts {
  private readonly local = new MemoryRefusals();
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}
  add(code: string): void {
    this.redis.hincrby(this.key, code, 1).catch(() => this.local.add(code));
  }
  async all(): Promise<Record<string, number>> {
    const out = await this.local.all();
    try {
      for (const [k, v] of Object.entries(await this.redis.hgetall(this.key)))
        out[k] = (out[k] ?? 0) + Number(v);
    } catch {
      // Redis away: this node's own counts only.
    }
    return out;
  }
}
