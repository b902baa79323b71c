/**
 * Placed tiles held in flat typed arrays indexed by a reusable slot number,
 * so a million tiles cost tens of bytes each instead of a JS object each.
 */
import { labToSrgb } from './colour.ts';
import { DIM, encodeFeatures, type SpaceConfig } from './engineSpace.ts';
import { IdMap } from './IdMap.ts';
import { FEATURE_LEN, type Features } from './types.ts';

/** The placed tiles, slot-indexed; see the file comment. */
export class TileSlots {
  /** Slot -> tile id (0 when the slot is empty). */
  ids: Int32Array;
  /** Slot -> cell index (-1 when unplaced). */
  cell: Int32Array;
  /** Slot -> encoded features (DIM bytes). */
  vec: Int8Array;
  /** Slot -> mean colour in sRGB (3 floats, unrounded 0..255), kept for the tint. */
  rgb: Float32Array;
  /** Slot -> the best open cell class last found for it (-1: unknown); valid while that class stays open. */
  bestOpen: Int32Array;
  /** Slots in use or released so far; live slots are below this. */
  top = 0;
  // Grown by rehashing rather than made for the whole grid at once: while it is small it
  // stays in cache, and a big fresh table costs a page fault per first touch all fill long.
  private readonly bySlotId = new IdMap();
  private readonly released: number[] = [];

  /** `capacity`: tiles to make room for at once (a grid's cell count), grown as needed. */
  constructor(capacity = 1024) {
    this.ids = new Int32Array(capacity);
    this.cell = new Int32Array(capacity);
    this.vec = new Int8Array(capacity * DIM);
    this.rgb = new Float32Array(capacity * 3);
    this.bestOpen = new Int32Array(capacity).fill(-1);
  }

  /** Number of live tiles. */
  get size(): number {
    return this.bySlotId.size;
  }

  /** The slot of a tile id, or -1. */
  slotOf(id: number): number {
    return this.bySlotId.get(id);
  }

  /** Stores a new tile (its features at `offset` of `features`) and returns its slot (unplaced: cell -1). */
  add(id: number, features: Features, cfg: SpaceConfig, offset = 0): number {
    if (!Number.isInteger(id) || id <= 0 || id > 0x7fffffff) throw new RangeError(`bad tile id ${id}`);
    if (features.length < offset + FEATURE_LEN)
      throw new RangeError(`tile ${id} has ${features.length - offset} features, want ${FEATURE_LEN}`);
    const slot = this.released.pop() ?? this.top++;
    if (slot >= this.ids.length) this.grow();
    this.ids[slot] = id;
    this.cell[slot] = -1;
    this.bestOpen[slot] = -1;
    encodeFeatures(features, offset, cfg, this.vec, slot * DIM);
    const [r, g, b] = labToSrgb(features[offset]!, features[offset + 1]!, features[offset + 2]!);
    this.rgb[slot * 3] = r;
    this.rgb[slot * 3 + 1] = g;
    this.rgb[slot * 3 + 2] = b;
    this.bySlotId.add(id, slot);
    return slot;
  }

  /** Forgets a tile; its slot is reused by a later add. */
  release(slot: number): void {
    this.bySlotId.delete(this.ids[slot]!);
    this.ids[slot] = 0;
    this.cell[slot] = -1;
    this.released.push(slot);
  }

  /** Live slots, in slot order. */
  liveSlots(): Int32Array {
    const out = new Int32Array(this.size);
    let n = 0;
    for (let s = 0; s < this.top; s++) if (this.ids[s] !== 0) out[n++] = s;
    return out;
  }

  private grow(): void {
    const cap = this.ids.length * 2;
    const ids = new Int32Array(cap);
    ids.set(this.ids);
    const cell = new Int32Array(cap);
    cell.set(this.cell);
    const vec = new Int8Array(cap * DIM);
    vec.set(this.vec);
    const rgb = new Float32Array(cap * 3);
    rgb.set(this.rgb);
    const bestOpen = new Int32Array(cap).fill(-1);
    bestOpen.set(this.bestOpen);
    this.bestOpen = bestOpen;
    this.ids = ids;
    this.cell = cell;
    this.vec = vec;
    this.rgb = rgb;
  }

  /** Bytes held by the typed arrays (the id map included). */
  bytes(): number {
    return (
      this.ids.byteLength +
      this.cell.byteLength +
      this.vec.byteLength +
      this.rgb.byteLength +
      this.bestOpen.byteLength +
      this.bySlotId.bytes()
    );
  }
}
