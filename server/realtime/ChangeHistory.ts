import {
  CHANGE_HEADER_BYTES,
  CHANGE_RECORD_BYTES,
  type WireChange,
  writeChangeHeader,
  writeChangeRecord,
} from '../../shared/protocol.ts';

/**
 * The recent changes as encoded records in one fixed ring buffer, so a client that was away
 * gets exactly the changes after its `since`. Bounded: `capacity` records of 24 bytes
 * (the default 262,144 is 6 MiB, about 29 minutes at 150 changes a second).
 *
 * Growth is not kept: a client from before a growth would need the whole re-layout anyway,
 * which is what a snapshot is, so a growth empties the ring (see {@link reset}).
 */
export class ChangeHistory {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Ring slot of the oldest record. */
  private start = 0;
  private length = 0;
  /** Every change after `floor` up to `last` is held. */
  private floorSeq: number;
  private lastSeq: number;

  constructor(
    readonly capacity: number,
    seq: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.bytes = new Uint8Array(capacity * CHANGE_RECORD_BYTES);
    this.view = new DataView(this.bytes.buffer);
    this.floorSeq = seq;
    this.lastSeq = seq;
  }

  /** The oldest `since` that can still be replayed. */
  get floor(): number {
    return this.floorSeq;
  }

  /** The sequence number of the newest change held (or of the last reset). */
  get last(): number {
    return this.lastSeq;
  }

  /** True when every change after `since` is held. */
  covers(since: number): boolean {
    return since >= this.floorSeq && since <= this.lastSeq;
  }

  /** Forgets everything; replay is possible again from `seq` on. */
  reset(seq: number): void {
    this.start = 0;
    this.length = 0;
    this.floorSeq = seq;
    this.lastSeq = seq;
  }

  /** Adds the next change; a change that does not follow the last one restarts the ring. */
  append(change: WireChange): void {
    if (change.seq !== this.lastSeq + 1) this.reset(change.seq - 1);
    let slot: number;
    if (this.length < this.capacity) {
      slot = (this.start + this.length) % this.capacity;
      this.length++;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
      this.floorSeq++;
    }
    writeChangeRecord(this.view, slot * CHANGE_RECORD_BYTES, change);
    this.lastSeq = change.seq;
  }

  /**
   * The changes after `since` as ready-to-send `tiles:changed` batches of at most
   * `perBatch` records, oldest first. Throws when `since` is not covered.
   */
  batchesAfter(since: number, perBatch = 4096): Uint8Array[] {
    if (!this.covers(since)) throw new RangeError(`history does not cover ${since}`);
    const out: Uint8Array[] = [];
    let skip = since - this.floorSeq;
    let left = this.lastSeq - since;
    while (left > 0) {
      const n = Math.min(left, perBatch);
      const batch = new Uint8Array(CHANGE_HEADER_BYTES + n * CHANGE_RECORD_BYTES);
      writeChangeHeader(new DataView(batch.buffer), n);
      let o = CHANGE_HEADER_BYTES;
      let done = 0;
      while (done < n) {
        const slot = (this.start + skip + done) % this.capacity;
        const run = Math.min(n - done, this.capacity - slot);
        const from = slot * CHANGE_RECORD_BYTES;
        batch.set(this.bytes.subarray(from, from + run * CHANGE_RECORD_BYTES), o);
        o += run * CHANGE_RECORD_BYTES;
        done += run;
      }
      out.push(batch);
      skip += n;
      left -= n;
    }
    return out;
  }
}
