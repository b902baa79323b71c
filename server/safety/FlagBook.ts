import type { FlagReason } from '../../shared/httpApi.ts';

/** What one flag did. */
export type FlagOutcome = 'counted' | 'repeat' | 'hide';

/**
 * Viewers' flags as the routes use them: {@link FlagBook} in one process's memory (through
 * {@link flagStoreOf}), `RedisFlags` for a cluster. Same rules for both: a flag counts only
 * when its address key and its client key are both new for the tile, and 'hide' comes once.
 */
export interface FlagStore {
  /** Records a flag; 'hide' exactly once, when the tile reaches the threshold. */
  flag(id: number, addressKey: string, clientKey: string, reason?: FlagReason): Promise<FlagOutcome>;
  /** Each tile's flags now, in the order of `ids`, in one read (the moderators' queue). */
  summaries(ids: readonly number[]): Promise<FlagSummary[]>;
  /** Forgets a tile's flags (it was approved after review, or is gone). */
  clear(id: number): Promise<void>;
}

/** A tile's distinct flags, and how many of them gave each reason. */
export interface FlagSummary {
  count: number;
  reasons: Partial<Record<FlagReason, number>>;
}

interface TileFlags {
  addresses: Set<string>;
  clients: Set<string>;
  count: number;
  reasons: Partial<Record<FlagReason, number>>;
}

/**
 * Viewers' flags, in memory only, under opaque keys (see ClientKeys). A flag counts
 * when both its address key and its client key are new for the tile: a second browser on
 * the same network and a cleared cookie on another network are repeats. So hiding a tile
 * takes `threshold` different networks, not one person with a script.
 */
export class FlagBook {
  private readonly tiles = new Map<number, TileFlags>();

  constructor(
    private readonly threshold: number,
    /** Upper bound on tiles with open flags, so that flags cannot fill memory. */
    private readonly maxTiles = 100_000,
  ) {}

  /** Records a flag; 'hide' exactly once, when the tile reaches the threshold. */
  flag(id: number, addressKey: string, clientKey: string, reason?: FlagReason): FlagOutcome {
    let f = this.tiles.get(id);
    if (!f) {
      if (this.tiles.size >= this.maxTiles) {
        // Forget the oldest open case: its tile stays up, as if flagged fewer times.
        this.tiles.delete(this.tiles.keys().next().value!);
      }
      f = { addresses: new Set(), clients: new Set(), count: 0, reasons: {} };
      this.tiles.set(id, f);
    }
    if (f.addresses.has(addressKey) || f.clients.has(clientKey)) return 'repeat';
    f.addresses.add(addressKey);
    f.clients.add(clientKey);
    f.count++;
    if (reason) f.reasons[reason] = (f.reasons[reason] ?? 0) + 1;
    return f.count === this.threshold ? 'hide' : 'counted';
  }

  /** The tile's distinct flags, and how many gave each reason. */
  summary(id: number): FlagSummary {
    const f = this.tiles.get(id);
    return { count: f?.count ?? 0, reasons: { ...f?.reasons } };
  }

  /** Forgets a tile's flags (it was approved after review, or is gone). */
  clear(id: number): void {
    this.tiles.delete(id);
  }
}

/** A {@link FlagBook} behind the {@link FlagStore} interface. */
export function flagStoreOf(book: FlagBook): FlagStore {
  return {
    flag: async (id, addressKey, clientKey, reason) => book.flag(id, addressKey, clientKey, reason),
    summaries: async (ids) => ids.map((id) => book.summary(id)),
    clear: async (id) => book.clear(id),
  };
}
