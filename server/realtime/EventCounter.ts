import { RallyCodes } from '../core/RallyCodes.ts';
import type { LiveTile } from './source.ts';

/** What changed for one rally since the last drain. */
export interface EventDelta {
  event: string;
  /** Ids of its tiles placed since the last drain, in order. */
  placed: number[];
}

/**
 * Per-rally tile counts kept from the change stream, so an event screen's counter needs
 * no query. Only tiles sent with a rally code are remembered (id -> code, 2 bytes a tile).
 */
export class EventCounter {
  /** id -> rally code (0: none), dense like tile ids: 2 bytes a tile. */
  private code = new Uint16Array(1024);
  private readonly rallies = new RallyCodes();
  private readonly counts = new Map<string, number>();
  private readonly dirty = new Map<string, number[]>();
  /** Tiles in the whole mosaic. */
  total = 0;

  constructor(tiles: readonly LiveTile[]) {
    this.reset(tiles);
  }

  /** Recounts from a snapshot's tiles. */
  reset(tiles: readonly LiveTile[]): void {
    this.code.fill(0);
    this.counts.clear();
    this.total = tiles.length;
    for (const t of tiles) {
      if (t.event === null) continue;
      this.setCode(t.id, t.event);
      this.counts.set(t.event, (this.counts.get(t.event) ?? 0) + 1);
    }
  }

  private eventOf(id: number): string | undefined {
    const c = id < this.code.length ? this.code[id]! : 0;
    return this.rallies.name(c) ?? undefined;
  }

  private setCode(id: number, event: string): void {
    const c = this.rallies.code(event);
    if (id >= this.code.length) {
      let n = this.code.length;
      while (n <= id) n *= 2;
      const grown = new Uint16Array(n);
      grown.set(this.code);
      this.code = grown;
    }
    this.code[id] = c;
  }

  /** Recounts from a snapshot's cells: `total` tiles, and each one with a rally. */
  resetFrom(total: number, eachEvent: (each: (id: number, event: string) => void) => void): void {
    this.code.fill(0);
    this.counts.clear();
    this.total = total;
    eachEvent((id, event) => {
      this.setCode(id, event);
      this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
    });
  }

  /** Tiles from `event` in the mosaic now. */
  count(event: string): number {
    return this.counts.get(event) ?? 0;
  }

  /** Tiles per rally now, for every rally with at least one. */
  perEvent(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** A tile entered the mosaic. A tile already counted is ignored. */
  placed(id: number, event: string | null): void {
    if (this.eventOf(id) !== undefined) return;
    this.total++;
    if (event === null) return;
    this.setCode(id, event);
    this.counts.set(event, this.count(event) + 1);
    this.touch(event).push(id);
  }

  /** A tile left the mosaic. */
  removed(id: number): void {
    this.total = Math.max(0, this.total - 1);
    const event = this.eventOf(id);
    if (event === undefined) return;
    this.code[id] = 0;
    const n = this.count(event) - 1;
    if (n > 0) this.counts.set(event, n);
    else this.counts.delete(event);
    this.touch(event);
  }

  /** Marks a rally as changed (e.g. its viewer count) so the next drain reports it. */
  touch(event: string): number[] {
    let placed = this.dirty.get(event);
    if (!placed) {
      placed = [];
      this.dirty.set(event, placed);
    }
    return placed;
  }

  /** True when some rally changed since the last drain. */
  get hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** The rallies that changed since the last drain, and forgets them. */
  drain(): EventDelta[] {
    const out = [...this.dirty].map(([event, placed]) => ({ event, placed }));
    this.dirty.clear();
    return out;
  }
}
