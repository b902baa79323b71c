/**
 * For each cell class, its placed tiles in a max-heap by cost, so the assignment
 * search can evict the tile that fits its class worst. Class k's heap lives in the
 * slice [start[k], start[k+1]) of shared arrays (a class never holds more tiles
 * than it has cells).
 */

/** Per-class max-heaps of tile slots by cost; see the file comment. */
export class MemberHeaps {
  // Entry i's slot at slot[2i] and its cost at cost[2i + 1]: two views of one buffer, so
  // an entry is one cache line, not two.
  private readonly slot: Int32Array;
  private readonly cost: Float32Array;
  private readonly size: Int32Array;
  private posOf: Int32Array;

  constructor(private readonly start: Int32Array) {
    const n = start[start.length - 1]!;
    this.slot = new Int32Array(2 * n);
    this.cost = new Float32Array(this.slot.buffer);
    this.size = new Int32Array(start.length - 1);
    this.posOf = new Int32Array(1024);
  }

  /** The worst-placed tile of class k, or -1. */
  top(k: number): number {
    return this.size[k]! > 0 ? this.slot[2 * this.start[k]!]! : -1;
  }

  /** Number of tiles in class k. */
  count(k: number): number {
    return this.size[k]!;
  }

  /** The i-th tile of class k in heap order (i = 0 is the worst placed; roughly worst first). */
  at(k: number, i: number): number {
    return this.slot[2 * (this.start[k]! + i)]!;
  }

  /** Adds tile `s` with its cost to class k. */
  push(k: number, s: number, cost: number): void {
    if (s >= this.posOf.length) {
      const p = new Int32Array(Math.max(s + 1, this.posOf.length * 2));
      p.set(this.posOf);
      this.posOf = p;
    }
    const i = this.size[k]!++;
    this.up(this.start[k]!, i, s, cost);
  }

  /** Removes tile `s` from class k. */
  remove(k: number, s: number): void {
    const base = this.start[k]!;
    const i = this.posOf[s]! - base;
    const last = --this.size[k]!;
    if (i === last) return;
    const ms = this.slot[2 * (base + last)]!;
    const mc = this.cost[2 * (base + last) + 1]!;
    if (i > 0 && mc > this.cost[2 * (base + ((i - 1) >> 1)) + 1]!) this.up(base, i, ms, mc);
    else this.down(base, i, last, ms, mc);
  }

  private set(at: number, s: number, c: number): void {
    this.slot[2 * at] = s;
    this.cost[2 * at + 1] = c;
    this.posOf[s] = at;
  }

  private up(base: number, i: number, s: number, c: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cost[2 * (base + p) + 1]! >= c) break;
      this.set(base + i, this.slot[2 * (base + p)]!, this.cost[2 * (base + p) + 1]!);
      i = p;
    }
    this.set(base + i, s, c);
  }

  private down(base: number, i: number, len: number, s: number, c: number): void {
    for (;;) {
      let ch = 2 * i + 1;
      if (ch >= len) break;
      if (ch + 1 < len && this.cost[2 * (base + ch + 1) + 1]! > this.cost[2 * (base + ch) + 1]!) ch++;
      if (this.cost[2 * (base + ch) + 1]! <= c) break;
      this.set(base + i, this.slot[2 * (base + ch)]!, this.cost[2 * (base + ch) + 1]!);
      i = ch;
    }
    this.set(base + i, s, c);
  }

  /** Bytes held. */
  bytes(): number {
    return this.slot.byteLength + this.size.byteLength + this.posOf.byteLength;
  }
}
