/**
 * Just enough of a HEIF file's box structure (ISO/IEC 14496-12 and 23008-12) to find how the
 * colour of its primary image is described: an ICC profile (iPhones tag their photos Display P3)
 * or an `nclx` property (code points, as many Android phones write). libheif's pixels come back
 * in the file's own colour space, so that description must go with them.
 */
interface Box {
  type: string;
  /** Where the box's content starts (after its header) and ends. */
  start: number;
  end: number;
}

function* boxes(buf: Uint8Array, start: number, end: number): Generator<Box> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(buf[at + 4]!, buf[at + 5]!, buf[at + 6]!, buf[at + 7]!);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

const child = (buf: Uint8Array, parent: Box, type: string, skip = 0): Box | undefined => {
  for (const b of boxes(buf, parent.start + skip, parent.end)) if (b.type === type) return b;
  return undefined;
};

/** An `nclx` colour property's code points (ISO/IEC 23091-2). */
export interface Nclx {
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange: boolean;
}

/**
 * Display P3 code points: P3's primaries and D65 white (12) with the sRGB curve or one of the
 * SDR video curves close to it (BT.709, BT.601, BT.2020, or unspecified). HDR curves (PQ, HLG)
 * would need tone mapping, not a profile.
 */
export const isDisplayP3 = (c: Nclx): boolean =>
  c.primaries === 12 && [1, 2, 6, 13, 14, 15].includes(c.transfer);

/** Whether a HEIF file (HEIC or AVIF) gives its primary image's colour as Display P3 code points alone. */
export function saysDisplayP3(buf: Uint8Array): boolean {
  const colour = heifColour(buf);
  return !!colour && 'nclx' in colour && isDisplayP3(colour.nclx);
}

/** How a HEIF image's colour is described. */
export type HeifColour = { icc: Uint8Array } | { nclx: Nclx };

/**
 * The colour of the primary item: its ICC profile (a `colr` property of type `prof` or `rICC`),
 * else its `nclx` property. Where the file does not say which properties the primary item has,
 * the file's only profile, else its only `nclx`. Null when there is none or the structure cannot
 * be followed.
 */
export function heifColour(buf: Uint8Array): HeifColour | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const top: Box = { type: '', start: 0, end: buf.length };
  const meta = child(buf, top, 'meta');
  if (!meta) return null;
  // meta, pitm and ipma are full boxes: a version byte and three bytes of flags first.
  const iprp = child(buf, meta, 'iprp', 4);
  const ipco = iprp && child(buf, iprp, 'ipco');
  if (!iprp || !ipco) return null;
  const colours = [...boxes(buf, ipco.start, ipco.end)].map((p): HeifColour | null => {
    if (p.type !== 'colr' || p.end - p.start < 4) return null;
    const kind = String.fromCharCode(...buf.subarray(p.start, p.start + 4));
    if (kind === 'prof' || kind === 'rICC') return { icc: buf.subarray(p.start + 4, p.end) };
    if (kind !== 'nclx' || p.end - p.start < 11) return null;
    return {
      nclx: {
        primaries: view.getUint16(p.start + 4),
        transfer: view.getUint16(p.start + 6),
        matrix: view.getUint16(p.start + 8),
        fullRange: (buf[p.start + 10]! & 0x80) !== 0,
      },
    };
  });
  // A profile says more than code points: it comes first.
  const pick = (found: HeifColour[]): HeifColour | null =>
    found.find((c) => 'icc' in c) ?? found.find((c) => 'nclx' in c) ?? null;
  const primary = primaryProperties(buf, view, meta, iprp);
  if (primary) {
    const own = pick(primary.map((i) => colours[i - 1]).filter((c): c is HeifColour => !!c));
    if (own) return own;
  }
  const all = colours.filter((c): c is HeifColour => !!c);
  const only = (kind: 'icc' | 'nclx') => {
    const of = all.filter((c) => kind in c);
    return of.length === 1 ? of[0]! : null;
  };
  return only('icc') ?? only('nclx');
}

/** The 1-based property indices `ipma` associates with the primary item (`pitm`); null when unreadable. */
function primaryProperties(buf: Uint8Array, view: DataView, meta: Box, iprp: Box): number[] | null {
  const pitm = child(buf, meta, 'pitm', 4);
  const ipma = child(buf, iprp, 'ipma');
  if (!pitm || !ipma || pitm.end - pitm.start < 6 || ipma.end - ipma.start < 8) return null;
  const primary = buf[pitm.start] === 0 ? view.getUint16(pitm.start + 4) : view.getUint32(pitm.start + 4);
  const version = buf[ipma.start]!;
  const wide = (buf[ipma.start + 3]! & 1) === 1;
  let at = ipma.start + 4;
  const entries = view.getUint32(at);
  at += 4;
  const found: number[] = [];
  const idBytes = version < 1 ? 2 : 4;
  const indexBytes = wide ? 2 : 1;
  for (let e = 0; e < entries && at + idBytes + 1 <= ipma.end; e++) {
    const item = version < 1 ? view.getUint16(at) : view.getUint32(at);
    at += idBytes;
    const count = buf[at++]!;
    for (let a = 0; a < count && at + indexBytes <= ipma.end; a++) {
      const index = wide ? view.getUint16(at) & 0x7fff : buf[at]! & 0x7f;
      at += indexBytes;
      if (item === primary) found.push(index);
    }
  }
  return found;
}
