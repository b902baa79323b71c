import { phashWords, popcount32 } from '../ingest/phash.ts';

/**
 * Measured by test/bench/phash.ts over 21 photos, their 84 quarter crops and ten kinds of
 * copy: re-compressed, resized and re-encoded copies lie 0-4 bits from their photo (6 for a
 * pixelated "hide our faces" copy); different photos lie 22+ bits apart at the 1st
 * percentile and 8 at the very least (two frames of a stereo pair). Duplicate when <= 6.
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 6;

/** How long a hash being stored stays reserved if its tile never shows up (the upload failed). */
const RESERVATION_MS = 30_000;

/**
 * The perceptual hashes of every stored tile, live or pending, in two flat word arrays for
 * a linear Hamming scan (measured: about 7 ms per million tiles on a 2-core machine). Holes
 * left by deleted tiles are reused. Hashes that passed the check but are not stored yet are
 * reserved, so that two copies sent at once cannot both get in.
 */
export class DuplicateIndex {
  // Int32 words and int32-only popcount keep the scan free of heap numbers (about 2x faster).
  private hi = new Int32Array(1024);
  private lo = new Int32Array(1024);
  /** slot -> tile id (0: free, -1: reservation) */
  private owner = new Int32Array(1024);
  private used = 0;
  private readonly free: number[] = [];
  private readonly slotOf = new Map<number, number>();
  /** hash -> slots and expiry of reservations */
  private readonly reserved = new Map<string, { slot: number; until: number }[]>();

  constructor(
    readonly threshold = DEFAULT_DUPLICATE_THRESHOLD,
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.slotOf.size;
  }

  /** The id of a stored tile within the threshold (-1: one being stored now), or null. */
  find(hash: string): number | null {
    this.expire();
    const [h, l] = phashWords(hash);
    const { hi, lo, owner, used, threshold } = this;
    const hs = h | 0;
    const ls = l | 0;
    for (let i = 0; i < used; i++) {
      const o = owner[i]!;
      if (o !== 0 && popcount32(hi[i]! ^ hs) + popcount32(lo[i]! ^ ls) <= threshold) return o;
    }
    return null;
  }

  /** Holds a checked hash until its tile is added (or the reservation expires). */
  reserve(hash: string): void {
    const slot = this.put(hash, -1);
    const list = this.reserved.get(hash) ?? [];
    list.push({ slot, until: this.clock() + RESERVATION_MS });
    this.reserved.set(hash, list);
  }

  /** Records a stored tile's hash (and releases one reservation of the same hash). */
  add(id: number, hash: string): void {
    const r = this.reserved.get(hash)?.shift();
    if (r) {
      this.release(r.slot);
      if (!this.reserved.get(hash)?.length) this.reserved.delete(hash);
    }
    if (this.slotOf.has(id)) this.delete(id);
    this.slotOf.set(id, this.put(hash, id));
  }

  delete(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.release(slot);
  }

  private put(hash: string, owner: number): number {
    const [h, l] = phashWords(hash);
    const slot = this.free.pop() ?? this.used++;
    if (slot >= this.owner.length) this.growTo(this.owner.length * 2);
    this.hi[slot] = h | 0;
    this.lo[slot] = l | 0;
    this.owner[slot] = owner;
    return slot;
  }

  private release(slot: number): void {
    this.owner[slot] = 0;
    this.free.push(slot);
  }

  private expire(): void {
    if (!this.reserved.size) return;
    const now = this.clock();
    for (const [hash, list] of this.reserved) {
      const keep = list.filter((r) => {
        if (r.until > now) return true;
        this.release(r.slot);
        return false;
      });
      if (keep.length) this.reserved.set(hash, keep);
      else this.reserved.delete(hash);
    }
  }

  private growTo(n: number): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.hi = grow(this.hi);
    this.lo = grow(this.lo);
    this.owner = grow(this.owner);
  }
}
