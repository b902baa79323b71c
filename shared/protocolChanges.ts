/**
 * The binary batch of live changes (`tiles:changed`): fixed-width little-endian records,
 * one per placed / moved / removed change, behind an 8-byte header.
 *
 * Header (8 bytes): u8 kind = {@link FrameKind}.CHANGES, u8 format = {@link FORMAT_VERSION},
 * u16 reserved 0, u32 record count.
 *
 * Record ({@link CHANGE_RECORD_BYTES} = 24 bytes):
 * ```
 *  0 u8  type  (ChangeType: 0 placed, 1 moved, 2 removed)
 *  1 u8  r     the tile's untinted mean colour (0 for removed)
 *  2 u8  g
 *  3 u8  b
 *  4 u32 seq
 *  8 u32 id
 * 12 u16 col
 * 14 u16 row
 * 16 i16 tint r   exact additive sRGB offset (0 for removed)
 * 18 i16 tint g
 * 20 i16 tint b
 * 22 u16 reserved 0
 * ```
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */
import type { MovedChange, PlacedChange, RemovedChange } from './mosaic/types.ts';

/** Layout revision of every binary message; checked by every decoder. */
export const FORMAT_VERSION = 1;

/** The first byte of every binary message. */
export const FrameKind = {
  SNAPSHOT: 1,
  GROWN: 2,
  CHANGES: 3,
} as const;

/** One of {@link FrameKind}'s values. */
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The `type` byte of a change record. */
export const ChangeType = { placed: 0, moved: 1, removed: 2 } as const;

/** Bytes before the first record of a change batch. */
export const CHANGE_HEADER_BYTES = 8;
/** Bytes of one change record. */
export const CHANGE_RECORD_BYTES = 24;

/** A colour packed as 0xRRGGBB. */
export type Rgb24 = number;

/** A placed change with the tile's untinted mean colour, for the far-out level of detail. */
export interface WirePlaced extends PlacedChange {
  rgb: Rgb24;
}
/** A moved change with the tile's untinted mean colour. */
export interface WireMoved extends MovedChange {
  rgb: Rgb24;
}
/** A change as it travels in a `tiles:changed` batch (growth travels as its own frame). */
export type WireChange = WirePlaced | WireMoved | RemovedChange;

/** A binary payload as sent and as any decoder accepts it: a Node Buffer on the server, an ArrayBuffer in the browser. */
export type BinaryLike = ArrayBuffer | ArrayBufferView;

/** Thrown by every decoder on a payload it cannot read. */
export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
}

/** A DataView over any binary payload, without copying. */
export function viewOf(data: BinaryLike): DataView {
  if (data instanceof ArrayBuffer) return new DataView(data);
  if (ArrayBuffer.isView(data)) return new DataView(data.buffer, data.byteOffset, data.byteLength);
  throw new ProtocolDecodeError('not binary');
}

/** Packs r, g, b (0..255) as 0xRRGGBB. */
export function packRgb(r: number, g: number, b: number): Rgb24 {
  return ((r & 255) << 16) | ((g & 255) << 8) | (b & 255);
}

/** The r, g, b (0..255) of a colour packed as 0xRRGGBB. */
export function unpackRgb(rgb: Rgb24): [number, number, number] {
  return [(rgb >>> 16) & 255, (rgb >>> 8) & 255, rgb & 255];
}

function clampI16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : Math.round(v);
}

/** Writes one change as a record at `offset` (bytes) of `view`. */
export function writeChangeRecord(view: DataView, offset: number, c: WireChange): void {
  const removed = c.type === 'removed';
  const rgb = removed ? 0 : c.rgb;
  view.setUint8(offset, ChangeType[c.type]);
  view.setUint8(offset + 1, (rgb >>> 16) & 255);
  view.setUint8(offset + 2, (rgb >>> 8) & 255);
  view.setUint8(offset + 3, rgb & 255);
  view.setUint32(offset + 4, c.seq, true);
  view.setUint32(offset + 8, c.id, true);
  view.setUint16(offset + 12, c.col, true);
  view.setUint16(offset + 14, c.row, true);
  view.setInt16(offset + 16, removed ? 0 : clampI16(c.tint.r), true);
  view.setInt16(offset + 18, removed ? 0 : clampI16(c.tint.g), true);
  view.setInt16(offset + 20, removed ? 0 : clampI16(c.tint.b), true);
  view.setUint16(offset + 22, 0, true);
}

/** Reads one record at `offset` (bytes) of `view`. */
export function readChangeRecord(view: DataView, offset: number): WireChange {
  const type = view.getUint8(offset);
  const seq = view.getUint32(offset + 4, true);
  const id = view.getUint32(offset + 8, true);
  const col = view.getUint16(offset + 12, true);
  const row = view.getUint16(offset + 14, true);
  if (type === ChangeType.removed) return { type: 'removed', seq, id, col, row };
  if (type !== ChangeType.placed && type !== ChangeType.moved) {
    throw new ProtocolDecodeError(`unknown change type ${type}`);
  }
  const rgb = packRgb(view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
  const tint = {
    r: view.getInt16(offset + 16, true),
    g: view.getInt16(offset + 18, true),
    b: view.getInt16(offset + 20, true),
  };
  return { type: type === ChangeType.placed ? 'placed' : 'moved', seq, id, col, row, tint, rgb };
}

/** Writes the 8-byte header of a batch of `count` records at the start of `view`. */
export function writeChangeHeader(view: DataView, count: number): void {
  view.setUint8(0, FrameKind.CHANGES);
  view.setUint8(1, FORMAT_VERSION);
  view.setUint16(2, 0, true);
  view.setUint32(4, count, true);
}

/** Encodes changes, in the order given, as one `tiles:changed` batch. */
export function encodeChanges(changes: readonly WireChange[]): Uint8Array {
  const out = new Uint8Array(CHANGE_HEADER_BYTES + changes.length * CHANGE_RECORD_BYTES);
  const view = new DataView(out.buffer);
  writeChangeHeader(view, changes.length);
  for (let i = 0; i < changes.length; i++) {
    writeChangeRecord(view, CHANGE_HEADER_BYTES + i * CHANGE_RECORD_BYTES, changes[i]!);
  }
  return out;
}

/** Decodes a `tiles:changed` batch; throws {@link ProtocolDecodeError} on anything malformed. */
export function decodeChanges(data: BinaryLike): WireChange[] {
  const view = viewOf(data);
  if (view.byteLength < CHANGE_HEADER_BYTES) throw new ProtocolDecodeError('batch too short');
  if (view.getUint8(0) !== FrameKind.CHANGES) throw new ProtocolDecodeError('not a change batch');
  if (view.getUint8(1) !== FORMAT_VERSION) throw new ProtocolDecodeError('unknown batch format');
  const count = view.getUint32(4, true);
  if (view.byteLength !== CHANGE_HEADER_BYTES + count * CHANGE_RECORD_BYTES) {
    throw new ProtocolDecodeError('batch length does not match its count');
  }
  const out: WireChange[] = new Array(count);
  for (let i = 0; i < count; i++)
    out[i] = readChangeRecord(view, CHANGE_HEADER_BYTES + i * CHANGE_RECORD_BYTES);
  return out;
}
