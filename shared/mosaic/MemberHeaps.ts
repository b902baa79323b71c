/**
 * For each cell class, its placed tiles in a max-heap by cost, so the assignment
 * search can evict the tile that fits its class worst. Class k's heap lives in the
 * slice [start[k], start[k+1]) of shared arrays (a class never holds more tiles
 * than it has cells).
 */

/** Per-class max-heaps of tile slots by cost; see the file comment. */
export class MemberHeaps {
  private readonly slot: Int32Array;
  private readonly cost: Float32Array;
  private readonly size: Int32Array;
  private posOf: Int32Array;

  constructor(private readonly start: Int32Array) {
    const n = start[start.length - 1]!;
    this.slot = new Int32Array(n);
    this.cost = new Float32Array(n);
    this.size = new Int32Array(start.length - 1);
    this.posOf = new Int32Array(1024);
  }

  /** The worst-placed tile of class k, or -1. */
  top(k: number): number {
    return this.size[k]! > 0 ? this.slot[this.start[k]!]! : -1;
  }

  /** Number of tiles in class k. */
  count(k: number): number {
    return this.size[k]!;
  }

  /** The i-th tile of class k in heap order (i = 0 is the worst placed; roughly worst first). */
  at(k: number, i: number): number {
    return this.slot[this.start[k]! + i]!;
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
    const ms = this.slot[base + last]!;
    const mc = this.cost[base + last]!;
    if (i > 0 && mc > this.cost[base + ((i - 1) >> 1)]!) this.up(base, i, ms, mc);
    else this.down(base, i, last, ms, mc);
  }

  private set(at: number, s: number, c: number): void {
    this.slot[at] = s;
    this.cost[at] = c;
    this.posOf[s] = at;
  }

  private up(base: number, i: number, s: number, c: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cost[base + p]! >= c) break;
      this.set(base + i, this.slot[base + p]!, this.cost[base + p]!);
      i = p;
    }
    this.set(base + i, s, c);
  }

  private down(base: number, i: number, len: number, s: number, c: number): void {
    for (;;) {
      let ch = 2 * i + 1;
      if (ch >= len) break;
      if (ch + 1 < len && this.cost[base + ch + 1]! > this.cost[base + ch]!) ch++;
      if (this.cost[base + ch]! <= c) break;
      this.set(base + i, this.slot[base + ch]!, this.cost[base + ch]!);
      i = ch;
    }
    this.set(base + i, s, c);
  }

  /** Bytes held. */
  bytes(): number {
    return this.slot.byteLength + this.cost.byteLength + this.size.byteLength + this.posOf.byteLength;
  }
}
