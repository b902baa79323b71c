import type { Placement } from '../../shared/mosaic/types.ts';
import { type LogChange, LogType } from '../core/logChange.ts';

/**
 * Binary form of a batch of log entries, as one Redis stream entry carries it (and, for a
 * growth's placements, as the `changes.layout` column holds them). Little-endian:
 *
 * | bytes | field |
 * |---|---|
 * | 1 | format (1) |
 * | 4 | entry count |
 * | … | entries: u8 type, u32 seq, then by type |
 *
 * - placed: u32 id, u16 col, u16 row, i16×3 tint, u8×3 rgb, f64 createdAt, u8 event length, event (UTF-8)
 * - moved: u32 id, u16 col, u16 row, i16×3 tint
 * - removed: u32 id, u16 col, u16 row
 * - grown: u16 cols, u16 rows, u32 n, n × placement (u32 id, u16 col, u16 row, i16×3 tint: 14 bytes)
 */
const FORMAT = 1;
const PLACEMENT_BYTES = 14;

class Writer {
  buf = Buffer.allocUnsafe(256);
  o = 0;
  need(n: number) {
    if (this.o + n <= this.buf.length) return;
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(b, 0, 0, this.o);
    this.buf = b;
  }
  u8(v: number) {
    this.need(1);
    this.buf.writeUInt8(v, this.o);
    this.o += 1;
  }
  u16(v: number) {
    this.need(2);
    this.buf.writeUInt16LE(v, this.o);
    this.o += 2;
  }
  i16(v: number) {
    this.need(2);
    this.buf.writeInt16LE(v, this.o);
    this.o += 2;
  }
  u32(v: number) {
    this.need(4);
    this.buf.writeUInt32LE(v, this.o);
    this.o += 4;
  }
  f64(v: number) {
    this.need(8);
    this.buf.writeDoubleLE(v, this.o);
    this.o += 8;
  }
  bytes(b: Buffer) {
    this.need(b.length);
    b.copy(this.buf, this.o);
    this.o += b.length;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.o);
  }
}

/** The placements of a growth as packed 14-byte records. */
export function encodePlacements(ps: readonly Placement[]): Buffer {
  const b = Buffer.allocUnsafe(ps.length * PLACEMENT_BYTES);
  let o = 0;
  for (const p of ps) {
    b.writeUInt32LE(p.id, o);
    b.writeUInt16LE(p.col, o + 4);
    b.writeUInt16LE(p.row, o + 6);
    b.writeInt16LE(p.tint.r, o + 8);
    b.writeInt16LE(p.tint.g, o + 10);
    b.writeInt16LE(p.tint.b, o + 12);
    o += PLACEMENT_BYTES;
  }
  return b;
}

/** Reads {@link encodePlacements}' records (`count` of them, from `offset`). */
export function decodePlacements(
  b: Buffer,
  offset = 0,
  count = (b.length - offset) / PLACEMENT_BYTES,
): Placement[] {
  const out: Placement[] = new Array(count);
  for (let i = 0, o = offset; i < count; i++, o += PLACEMENT_BYTES) {
    out[i] = {
      id: b.readUInt32LE(o),
      col: b.readUInt16LE(o + 4),
      row: b.readUInt16LE(o + 6),
      tint: { r: b.readInt16LE(o + 8), g: b.readInt16LE(o + 10), b: b.readInt16LE(o + 12) },
    };
  }
  return out;
}

/** Encodes a batch of log entries (see the table above). */
export function encodeLogBatch(changes: readonly LogChange[]): Buffer {
  const w = new Writer();
  w.u8(FORMAT);
  w.u32(changes.length);
  for (const c of changes) {
    w.u8(LogType[c.type]);
    w.u32(c.seq);
    if (c.type === 'grown') {
      w.u16(c.cols);
      w.u16(c.rows);
      w.u32(c.placements.length);
      w.bytes(encodePlacements(c.placements));
      continue;
    }
    w.u32(c.id);
    w.u16(c.col);
    w.u16(c.row);
    if (c.type === 'removed') continue;
    w.i16(c.tint.r);
    w.i16(c.tint.g);
    w.i16(c.tint.b);
    if (c.type === 'moved') continue;
    w.u8(c.rgb[0]);
    w.u8(c.rgb[1]);
    w.u8(c.rgb[2]);
    w.f64(c.createdAt);
    const ev = Buffer.from(c.event ?? '', 'utf8');
    w.u8(ev.length);
    w.bytes(ev);
  }
  return w.done();
}

/** Decodes {@link encodeLogBatch}; throws on a malformed or foreign batch. */
export function decodeLogBatch(b: Buffer): LogChange[] {
  if (b.length < 5 || b.readUInt8(0) !== FORMAT) throw new Error('not a log batch');
  const n = b.readUInt32LE(1);
  const out: LogChange[] = [];
  let o = 5;
  for (let i = 0; i < n; i++) {
    const type = b.readUInt8(o);
    const seq = b.readUInt32LE(o + 1);
    o += 5;
    if (type === LogType.grown) {
      const cols = b.readUInt16LE(o);
      const rows = b.readUInt16LE(o + 2);
      const count = b.readUInt32LE(o + 4);
      o += 8;
      out.push({ type: 'grown', seq, cols, rows, placements: decodePlacements(b, o, count) });
      o += count * PLACEMENT_BYTES;
      continue;
    }
    const id = b.readUInt32LE(o);
    const col = b.readUInt16LE(o + 4);
    const row = b.readUInt16LE(o + 6);
    o += 8;
    if (type === LogType.removed) {
      out.push({ type: 'removed', seq, id, col, row });
      continue;
    }
    const tint = { r: b.readInt16LE(o), g: b.readInt16LE(o + 2), b: b.readInt16LE(o + 4) };
    o += 6;
    if (type === LogType.moved) {
      out.push({ type: 'moved', seq, id, col, row, tint });
      continue;
    }
    const rgb: [number, number, number] = [b.readUInt8(o), b.readUInt8(o + 1), b.readUInt8(o + 2)];
    const createdAt = b.readDoubleLE(o + 3);
    const len = b.readUInt8(o + 11);
    const event = len ? b.toString('utf8', o + 12, o + 12 + len) : null;
    o += 12 + len;
    out.push({ type: 'placed', seq, id, col, row, tint, rgb, event, createdAt });
  }
  return out;
}
