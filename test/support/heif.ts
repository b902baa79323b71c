/**
 * HEIF files rewritten for tests: Debian's `heif-enc` writes no `nclx` colour property (the
 * compact colour tagging of many Android phones), so tests make one from a file that carries an
 * ICC `colr` property by replacing that property, box sizes and item offsets adjusted.
 */
import type { Nclx } from '../../server/ingest/heifBoxes.ts';

interface Found {
  /** Where the box starts (its size field) and where it ends. */
  at: number;
  end: number;
}

function find(buf: Buffer, start: number, end: number, type: string): Found {
  for (let at = start; at + 8 <= end; ) {
    const size = buf.readUInt32BE(at);
    if (size < 8) break;
    if (buf.toString('latin1', at + 4, at + 8) === type) return { at, end: at + size };
    at += size;
  }
  throw new Error(`no ${type} box`);
}

/** Reads or writes an unsigned big-endian number of 0, 4 or 8 bytes. */
function uint(buf: Buffer, at: number, bytes: number, add?: number): number {
  if (bytes === 0) return 0;
  const value = bytes === 4 ? buf.readUInt32BE(at) : Number(buf.readBigUInt64BE(at));
  if (add !== undefined) {
    if (bytes === 4) buf.writeUInt32BE(value + add, at);
    else buf.writeBigUInt64BE(BigInt(value + add), at);
  }
  return value;
}

/** Moves every item extent stored at or after `from` in the file by `delta` bytes (the `iloc` box). */
function shiftItems(buf: Buffer, iloc: Found, from: number, delta: number): void {
  let at = iloc.at + 8;
  const version = buf[at]!;
  at += 4;
  const offsetSize = buf[at]! >> 4;
  const lengthSize = buf[at]! & 15;
  const baseSize = buf[at + 1]! >> 4;
  const indexSize = version > 0 ? buf[at + 1]! & 15 : 0;
  at += 2;
  const items = version < 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < items; i++) {
    at += version < 2 ? 2 : 4; // item_ID
    let method = 0;
    if (version > 0) {
      method = buf.readUInt16BE(at) & 15;
      at += 2;
    }
    at += 2; // data_reference_index
    const base = uint(buf, at, baseSize);
    // File offsets only (construction method 0); a base offset into the moved part moves alone.
    const moveBase = method === 0 && base > 0 && base >= from;
    if (moveBase) uint(buf, at, baseSize, delta);
    at += baseSize;
    const extents = buf.readUInt16BE(at);
    at += 2;
    for (let e = 0; e < extents; e++) {
      at += indexSize;
      if (method === 0 && !moveBase && base + uint(buf, at, offsetSize) >= from)
        uint(buf, at, offsetSize, delta);
      at += offsetSize + lengthSize;
    }
  }
}

/**
 * `heic` with its (first) `colr` property replaced by an `nclx` one: the pixels are untouched,
 * only what the file says their colour space is changes.
 */
export function withNclx(heic: Buffer, nclx: Nclx): Buffer {
  const meta = find(heic, 0, heic.length, 'meta');
  const iprp = find(heic, meta.at + 12, meta.end, 'iprp');
  const ipco = find(heic, iprp.at + 8, iprp.end, 'ipco');
  const colr = find(heic, ipco.at + 8, ipco.end, 'colr');
  const box = Buffer.alloc(19);
  box.writeUInt32BE(19, 0);
  box.write('colrnclx', 4, 'latin1');
  box.writeUInt16BE(nclx.primaries, 12);
  box.writeUInt16BE(nclx.transfer, 14);
  box.writeUInt16BE(nclx.matrix, 16);
  box[18] = nclx.fullRange ? 0x80 : 0;
  const delta = box.length - (colr.end - colr.at);
  const out = Buffer.concat([heic.subarray(0, colr.at), box, heic.subarray(colr.end)]);
  for (const parent of [meta, iprp, ipco]) out.writeUInt32BE(parent.end - parent.at + delta, parent.at);
  // The item offsets are read in the new file: the iloc box itself may lie after the colr.
  const ilocAt = find(out, meta.at + 12, meta.end + delta, 'iloc');
  shiftItems(out, ilocAt, colr.end, delta);
  return out;
}
