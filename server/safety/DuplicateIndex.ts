import { phashWords, popcount32 } from '../ingest/phash.ts';

/**
 * Measured by test/bench/phash.ts over 21 photos, their 84 quarter crops and ten kinds of
 * copy: re-compressed, resized and re-encoded copies lie 0-4 bits from their photo (6 for a
 * pixelated "hide our faces" copy); different photos lie 22+ bits apart at the 1st
 * percentile and 8 at the very least (two frames of a stereo pair). Duplicate when <= 6.
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 6;

/** What a contributor is told of a photo already in the mosaic (409 DUPLICATE_PHOTO). */
export const DUPLICATE_MESSAGE =
  'This photo is already in the mosaic (or waiting for review). Each photo goes in once; ' +
  'to replace yours, delete it first with your delete link.';

/** What the bulk import says of the same: an organiser has no delete link to use. */
export const DUPLICATE_IMPORT_MESSAGE =
  'The same picture is already in the mosaic (or waiting for review), from another file: ' +
  'a copy in another size or format, or the same photo sent by its couple.';

/** How long a hash being stored stays reserved if its tile never shows up (the upload failed). */
const RESERVATION_MS = 30_000;

/** The multi-index cuts a hash into 4 blocks of 16 bits (two per 32-bit word). */
const BLOCKS = 4;
const BLOCK_BITS = 16;
const BLOCK_MASK = 0xffff;
/**
 * Two hashes within `t` bits agree within floor(t / 4) bits on at least one block
 * (pigeonhole), so a query probes every bucket within that radius of its four blocks:
 * 17 buckets a block up to t = 7, 137 up to t = 11. Beyond that it scans.
 */
const MAX_INDEXED_THRESHOLD = 11;

/** Every 16-bit value within `radius` (0..2) bits of `v`. */
function probes(v: number, radius: number, out: number[]): number[] {
  out.length = 0;
  out.push(v);
  if (radius < 1) return out;
  for (let i = 0; i < BLOCK_BITS; i++) {
    const vi = v ^ (1 << i);
    out.push(vi);
    if (radius < 2) continue;
    for (let j = i + 1; j < BLOCK_BITS; j++) out.push(vi ^ (1 << j));
  }
  return out;
}

/** Block `b` (0..3) of a hash: the low or high 16 bits of its high or low word. */
function blockOf(hs: number, ls: number, b: number): number {
  return ((b < 2 ? hs : ls) >>> ((b & 1) * BLOCK_BITS)) & BLOCK_MASK;
}

/**
 * The perceptual hashes of every stored tile, live or pending, in two flat word arrays,
 * searched by multi-index hashing (Norouzi et al.): the 64 bits are cut into 4 blocks of 16,
 * each with a table from the block's value to the slots holding it, so a query compares only
 * the slots that come near it on some block (about a thousand at a million tiles, not all of
 * them; test/bench/duplicates.ts measures both). Holes left by deleted tiles are reused. Hashes
 * that passed the check but are not stored yet are reserved, so that two copies sent at
 * once cannot both get in.
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
  /** Per block: bucket (the block's 16-bit value) -> slots with that value; null: scan instead. */
  private readonly tables: (number[] | undefined)[][] | null;
  private readonly radius: number;
  private readonly probeScratch: number[] = [];

  constructor(
    readonly threshold = DEFAULT_DUPLICATE_THRESHOLD,
    private readonly clock: () => number = Date.now,
  ) {
    this.radius = Math.floor(threshold / BLOCKS);
    this.tables =
      threshold <= MAX_INDEXED_THRESHOLD
        ? Array.from({ length: BLOCKS }, () => new Array<number[] | undefined>(1 << BLOCK_BITS))
        : null;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** The id of a stored tile within the threshold (-1: one being stored now), or null. */
  find(hash: string): number | null {
    this.expire();
    const [h, l] = phashWords(hash);
    const hs = h | 0;
    const ls = l | 0;
    return this.tables ? this.findIndexed(hs, ls) : this.scan(hs, ls);
  }

  /** The multi-index query: only slots near the hash on some block are compared. */
  private findIndexed(hs: number, ls: number): number | null {
    const { hi, lo, owner, threshold } = this;
    for (let b = 0; b < BLOCKS; b++) {
      const table = this.tables![b]!;
      for (const v of probes(blockOf(hs, ls, b), this.radius, this.probeScratch)) {
        const bucket = table[v];
        if (!bucket) continue;
        for (let k = 0; k < bucket.length; k++) {
          const i = bucket[k]!;
          const o = owner[i]!;
          if (o !== 0 && popcount32(hi[i]! ^ hs) + popcount32(lo[i]! ^ ls) <= threshold) return o;
        }
      }
    }
    return null;
  }

  /** Compares the hash with every stored one (the reference the bench measures against). */
  scan(hs: number, ls: number): number | null {
    const { hi, lo, owner, used, threshold } = this;
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
    if (this.tables) {
      for (let b = 0; b < BLOCKS; b++) {
        const v = blockOf(this.hi[slot]!, this.lo[slot]!, b);
        const table = this.tables[b]!;
        let bucket = table[v];
        if (!bucket) table[v] = bucket = [];
        bucket.push(slot);
      }
    }
    return slot;
  }

  private release(slot: number): void {
    this.owner[slot] = 0;
    if (this.tables) {
      for (let b = 0; b < BLOCKS; b++) {
        const bucket = this.tables[b]![blockOf(this.hi[slot]!, this.lo[slot]!, b)]!;
        bucket[bucket.lastIndexOf(slot)] = bucket[bucket.length - 1]!;
        bucket.pop();
      }
    }
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
