import { statfs } from 'node:fs/promises';
import type { AdminStats, MinuteCount } from '../../shared/rallies.ts';
import type { MosaicPort } from '../core/port.ts';
import type { LiveBroadcaster, LiveServer } from '../realtime/LiveBroadcaster.ts';
import { countOnline, LocalOnline, NOBODY, type OnlineCounts } from './OnlineCounts.ts';
import type { RefusalCounts } from './RefusalCounts.ts';
import { readThreadCpu, type ThreadCpu } from './threadCpu.ts';

const MINUTE = 60_000;
const SAMPLES = 1000;

/** The value at quantile q of sorted numbers, or null when there are none. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A ring of the last `n` numbers. */
class Ring {
  private readonly v: number[] = [];
  private i = 0;
  constructor(private readonly n: number) {}
  push(x: number): void {
    if (this.v.length < this.n) this.v.push(x);
    else this.v[this.i] = x;
    this.i = (this.i + 1) % this.n;
  }
  sorted(): number[] {
    return [...this.v].sort((a, b) => a - b);
  }
}

/** The file system that holds `dir`: its used and free bytes. */
export async function diskOf(dir: string): Promise<StorageFigures> {
  const fs = await statfs(dir);
  return { usedBytes: (fs.blocks - fs.bfree) * fs.bsize, freeBytes: fs.bavail * fs.bsize };
}

/** How much storage is used and free (see {@link AdminStats.storage}). */
export type StorageFigures = Omit<AdminStats['storage'], 'failed' | 'unavailable'>;

export interface StatsSources {
  node: string;
  service: MosaicPort;
  refusals: RefusalCounts;
  /** Where the nodes' online counts meet; this process's own by default. */
  online?: OnlineCounts;
  /** The storage figures (see {@link AdminStats.storage}). */
  storage(): Promise<StorageFigures>;
  /** Whether the store refuses commits since its disk failed to keep one; never, by default. */
  storageFailed?: () => boolean;
  /** Cluster mode: some figures are this node's own. */
  cluster: boolean;
  clock?: () => number;
}

/**
 * The console's live numbers: counts only, nothing about any person. Placements per minute
 * come from the change log, so every node counts the whole mosaic's; refusals are the
 * cluster's when they are kept in Redis; the rest is this node's own work (`perNode`).
 */
export class StatsBook {
  private readonly minutes = new Map<number, number>();
  private readonly latency = new Ring(SAMPLES);
  private readonly ingestMs = new Ring(200);
  private ingestTimes: number[] = [];
  private cpu: { t: number; usage: NodeJS.CpuUsage; threads: ThreadCpu | null }[] = [];
  private live: { broadcaster: LiveBroadcaster; io: LiveServer } | null = null;
  private readonly clock: () => number;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly unsubscribe: () => void;

  private readonly onlineCounts: OnlineCounts;

  constructor(private readonly s: StatsSources) {
    this.clock = s.clock ?? Date.now;
    this.onlineCounts = s.online ?? new LocalOnline();
    this.unsubscribe = s.service.live.subscribe((changes) => {
      for (const c of changes) if (c.type === 'placed') this.countPlaced();
    });
    this.sampleCpu();
    this.timer = setInterval(() => {
      this.sampleCpu();
      if (this.live) this.onlineCounts.publish(countOnline(this.live.io)).catch(() => {});
    }, 5000);
    this.timer.unref();
  }

  /** The live layer, once attached: online counts and tiles per rally. */
  attachLive(broadcaster: LiveBroadcaster, io: LiveServer): void {
    this.live = { broadcaster, io };
  }

  private countPlaced(): void {
    const m = Math.floor(this.clock() / MINUTE) * MINUTE;
    this.minutes.set(m, (this.minutes.get(m) ?? 0) + 1);
    for (const k of this.minutes.keys()) if (k < m - 60 * MINUTE) this.minutes.delete(k);
  }

  private sampleCpu(): void {
    const t = this.clock();
    this.cpu.push({ t, usage: process.cpuUsage(), threads: readThreadCpu() });
    this.cpu = this.cpu.filter((x) => x.t >= t - MINUTE - 5000);
  }

  /** An upload refused with `code` (any 4xx/5xx answer to POST /api/tiles). */
  refused(code: string): void {
    this.s.refusals.add(code);
  }

  /** An upload answered as placed `ms` after its first byte arrived. */
  visibleAfter(ms: number): void {
    this.latency.push(ms);
  }

  /** Wraps the ingest pipeline so that each photo's processing time is counted. */
  timed<A extends unknown[], R>(ingest: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
    return async (...a) => {
      const t0 = performance.now();
      try {
        return await ingest(...a);
      } finally {
        this.ingestMs.push(performance.now() - t0);
        const now = this.clock();
        this.ingestTimes.push(now);
        if (this.ingestTimes.length > 4096)
          this.ingestTimes = this.ingestTimes.filter((x) => x >= now - MINUTE);
      }
    };
  }

  private tilesPerMinute(now: number): MinuteCount[] {
    const last = Math.floor(now / MINUTE) * MINUTE;
    const out: MinuteCount[] = [];
    for (let t = last - 59 * MINUTE; t <= last; t += MINUTE) out.push({ t, n: this.minutes.get(t) ?? 0 });
    return out;
  }

  /** Viewers and screens online, per rally; the whole cluster's when the nodes share them. */
  private online(): Promise<AdminStats['online']> {
    if (!this.live) return Promise.resolve(NOBODY);
    return this.onlineCounts.all(countOnline(this.live.io));
  }

  /** Every figure now. */
  async collect(): Promise<AdminStats> {
    const now = this.clock();
    const pending = await this.s.service.pending(0).catch(() => null);
    const lat = this.latency.sorted();
    const ing = this.ingestMs.sorted();
    const first = this.cpu[0];
    const use = process.cpuUsage(first?.usage);
    const span = first ? Math.max(1, now - first.t) : 1;
    const pct = (ms: number) => Math.round((ms / span) * 1000) / 10;
    const threads = readThreadCpu();
    const imageMs = threads && first?.threads ? threads.image - first.threads.image : null;
    return {
      at: new Date(now).toISOString(),
      node: this.s.node,
      tiles: {
        total: this.s.service.tileCount,
        perRally: this.live?.broadcaster.counter.perEvent() ?? {},
      },
      tilesPerMinute: this.tilesPerMinute(now),
      refused: await this.s.refusals.all(),
      queue: {
        length: pending?.length ?? null,
        oldestAgeMs: pending?.oldestCreatedAt != null ? Math.max(0, now - pending.oldestCreatedAt) : null,
        mark: pending?.mark ?? null,
      },
      online: await this.online(),
      uploadToVisibleMs: { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), samples: lat.length },
      ingest: {
        photosLastMinute: this.ingestTimes.filter((t) => t >= now - MINUTE).length,
        msPerPhotoP50: quantile(ing, 0.5),
        cpuPercent: imageMs === null ? null : pct(imageMs),
        processCpuPercent: pct((use.user + use.system) / 1000),
      },
      storage: {
        ...(await this.s.storage().catch(() => ({ usedBytes: null, freeBytes: null }))),
        failed: this.s.storageFailed?.() ?? false,
        // The queue is read from the store itself: in a cluster, from PostgreSQL.
        unavailable: pending === null,
      },
      perNode: this.s.cluster ? ['uploadToVisibleMs', 'ingest', 'storage'] : [],
    };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await this.onlineCounts.close();
  }
}
