/**
 * The start-up image: every stored tile's row (less its delete hash) as columns in one file,
 * DATA_DIR/cache/startup.img, written when the server stops cleanly. Reading a million rows
 * from SQLite takes seconds (one JavaScript array and one Buffer per row); the image is a
 * single read of typed arrays.
 *
 * The image is only ever a copy, of the state after the store's `writes`-th commit. Start-up
 * brings it up to date with the rows written and deleted since (imageReplay.ts), so a crash
 * costs only the replay; a damaged file, another mosaic's image, or one from a later state
 * than the database's (a restored backup) send start-up back to the rows.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FEATURE_LEN } from '../../shared/mosaic/types.ts';
import { unpackRgb } from '../../shared/protocolChanges.ts';
import { phashHex, TileFlag } from './tileColumns.ts';
import type { LoadedTile, MosaicMeta } from './types.ts';

const MAGIC = 0x4b49_4d31; // "KIM1"
const VERSION = 1;

/** Which store state an image copies: the store's count of commits when it was written. */
export interface ImageStamp {
  writes: number;
}

/** What an image holds besides its columns. */
export interface ImageInfo {
  meta: MosaicMeta | null;
  count: number;
  /** Rally codes; a tile's `event` column is 1 + its index here, 0 for none. */
  events: string[];
  /** What the rows' tints were computed with, as the writer named it (null: unknown). */
  layoutKey: string | null;
}

interface Header extends ImageStamp, ImageInfo {
  version: number;
  featureLen: number;
}

/** The columns of an image, one entry per stored tile, in id order. */
export interface ImageColumns {
  ids: Uint32Array;
  flags: Uint8Array;
  col: Int16Array;
  row: Int16Array;
  tint: Int16Array;
  event: Uint16Array;
  created: Float64Array;
  rgb: Uint32Array;
  phash: Uint32Array;
  features: Float32Array;
}

/** A read image: its stamp, what it holds, and its rows as columns. */
export interface StartupImage extends ImageStamp, ImageInfo {
  cols: ImageColumns;
}

/** The sections in file order, with their element type and elements per tile. */
const SECTIONS = [
  ['ids', Uint32Array, 1],
  ['flags', Uint8Array, 1],
  ['col', Int16Array, 1],
  ['row', Int16Array, 1],
  ['tint', Int16Array, 3],
  ['event', Uint16Array, 1],
  ['created', Float64Array, 1],
  ['rgb', Uint32Array, 1],
  ['phash', Uint32Array, 2],
  ['features', Float32Array, FEATURE_LEN],
] as const;

const align8 = (n: number) => (n + 7) & ~7;

/** Empty columns for `count` tiles. */
export function newColumns(count: number): ImageColumns {
  const out: Record<string, unknown> = {};
  for (const [name, T, per] of SECTIONS) out[name] = new T(count * per);
  return out as unknown as ImageColumns;
}

/** Reads an image, or null when there is none or it cannot be trusted as a whole. */
export function readImage(file: string): StartupImage | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = statSync(file).size;
    if (size < 16) return null;
    const buf = new ArrayBuffer(size);
    const bytes = new Uint8Array(buf);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n <= 0) return null;
      at += n;
    }
    const head = new DataView(buf);
    if (head.getUint32(0, true) !== MAGIC) return null;
    const headLen = head.getUint32(4, true);
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headLen))) as Header;
    if (h.version !== VERSION || h.featureLen !== FEATURE_LEN) return null;
    let at = align8(8 + headLen);
    const cols: Record<string, unknown> = {};
    for (const [name, T, per] of SECTIONS) {
      const len = h.count * per;
      if (at + len * T.BYTES_PER_ELEMENT > size) return null;
      cols[name] = new T(buf, at, len);
      at = align8(at + len * T.BYTES_PER_ELEMENT);
    }
    if (at !== size) return null;
    const { writes, meta, count, events, layoutKey } = h;
    return {
      writes,
      meta,
      count,
      events,
      layoutKey: layoutKey ?? null,
      cols: cols as unknown as ImageColumns,
    };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Writes an image atomically (temp file, fsync, rename): a crash leaves the old one or none. */
export function writeImage(file: string, stamp: ImageStamp, info: ImageInfo, cols: ImageColumns): void {
  mkdirSync(dirname(file), { recursive: true });
  const header: Header = { version: VERSION, ...stamp, ...info, featureLen: FEATURE_LEN };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const start = new Uint8Array(align8(8 + json.byteLength));
    const dv = new DataView(start.buffer);
    dv.setUint32(0, MAGIC, true);
    dv.setUint32(4, json.byteLength, true);
    start.set(json, 8);
    writeAll(fd, start);
    for (const [name] of SECTIONS) {
      const a = cols[name];
      const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      writeAll(fd, b);
      const pad = align8(b.byteLength) - b.byteLength;
      if (pad) writeAll(fd, new Uint8Array(pad));
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

function writeAll(fd: number, b: Uint8Array): void {
  for (let at = 0; at < b.byteLength; ) at += writeSync(fd, b, at, b.byteLength - at);
}

/** The image's tiles as the store's scan gives them (features are views into the image). */
export function* imageTiles(img: StartupImage): Generator<LoadedTile> {
  const c = img.cols;
  for (let i = 0; i < img.count; i++) {
    const f = c.flags[i]!;
    const e = c.event[i]!;
    const rgb = c.rgb[i]!;
    yield {
      id: c.ids[i]!,
      status: (f & 3) === TileFlag.pending ? 'pending' : 'live',
      col: c.col[i]!,
      row: c.row[i]!,
      tint: { r: c.tint[3 * i]!, g: c.tint[3 * i + 1]!, b: c.tint[3 * i + 2]! },
      event: e ? img.events[e - 1]! : null,
      createdAt: c.created[i]!,
      features: c.features.subarray(i * FEATURE_LEN, (i + 1) * FEATURE_LEN),
      rgb: unpackRgb(rgb),
      phash: f & TileFlag.hasPhash ? phashHex(c.phash, i) : null,
    };
  }
}

/** Where each section of an image file starts, from its header; null when it is not an image. */
function sectionOffsets(fd: number): { count: number; at: number[] } | null {
  const head = new Uint8Array(8);
  if (readSync(fd, head, 0, 8, 0) !== 8) return null;
  const dv = new DataView(head.buffer);
  if (dv.getUint32(0, true) !== MAGIC) return null;
  const headLen = dv.getUint32(4, true);
  const json = new Uint8Array(headLen);
  if (readSync(fd, json, 0, headLen, 8) !== headLen) return null;
  const h = JSON.parse(new TextDecoder().decode(json)) as Header;
  const at: number[] = [];
  let pos = align8(8 + headLen);
  for (const [, T, per] of SECTIONS) {
    at.push(pos);
    pos = align8(pos + h.count * per * T.BYTES_PER_ELEMENT);
  }
  return { count: h.count, at };
}

/**
 * Overwrites, in place, the given tiles' entries with zeros but for their ids (a deleted tile
 * leaves none of its row in the image, as SQLite's secure_delete leaves none in the database).
 * Returns how many entries were found.
 */
export function scrubEntries(file: string, ids: readonly number[]): number {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch {
    return 0;
  }
  try {
    const layout = sectionOffsets(fd);
    if (!layout) return 0;
    const idCol = new Uint32Array(layout.count);
    readSync(fd, new Uint8Array(idCol.buffer), 0, idCol.byteLength, layout.at[0]!);
    let found = 0;
    for (const id of ids) {
      const i = lowerBound(idCol, id);
      if (idCol[i] !== id) continue;
      // Everything but the id, which keeps the column sorted for the next search (and says
      // nothing: `gone` in the database holds it too); flags 0 mark the entry as empty.
      SECTIONS.forEach(([name, T, per], s) => {
        if (name === 'ids') return;
        const n = per * T.BYTES_PER_ELEMENT;
        writeSync(fd, new Uint8Array(n), 0, n, layout.at[s]! + i * n);
      });
      found++;
    }
    if (found) fsyncSync(fd);
    return found;
  } catch {
    return 0;
  } finally {
    closeSync(fd);
  }
}

function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Removes an image that can no longer be used, and any left half-written by a crash, after
 * overwriting them with zeros: they may hold rows deleted since they were written.
 */
export function shredImages(file: string): void {
  const dir = dirname(file);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const base = basename(file);
  for (const name of names) {
    if (name !== base && !(name.startsWith(`${base}.`) && name.endsWith('.tmp'))) continue;
    const path = join(dir, name);
    try {
      const size = statSync(path).size;
      const fd = openSync(path, 'r+');
      try {
        const zeros = new Uint8Array(Math.min(size, 1 << 22));
        for (let at = 0; at < size; at += zeros.byteLength)
          writeSync(fd, zeros, 0, Math.min(zeros.byteLength, size - at), at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      rmSync(path, { force: true });
    } catch {
      rmSync(path, { force: true });
    }
  }
}
