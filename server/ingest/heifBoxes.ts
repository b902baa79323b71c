/**
 * Just enough of a HEIF file's box structure (ISO/IEC 14496-12 and 23008-12) to find the ICC
 * colour profile of its primary image: iPhones tag their photos Display P3, and libheif's
 * pixels come back in the file's own colour space, so the profile must go with them.
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

/**
 * The ICC profile (a `colr` property of type `prof` or `rICC`) of the primary item, or of the
 * only one the file has; null when there is none or the structure cannot be followed.
 */
export function heifIccProfile(buf: Uint8Array): Uint8Array | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const top: Box = { type: '', start: 0, end: buf.length };
  const meta = child(buf, top, 'meta');
  if (!meta) return null;
  // meta, pitm and ipma are full boxes: a version byte and three bytes of flags first.
  const iprp = child(buf, meta, 'iprp', 4);
  const ipco = iprp && child(buf, iprp, 'ipco');
  if (!iprp || !ipco) return null;
  const props = [...boxes(buf, ipco.start, ipco.end)];
  const icc = (i: number): Uint8Array | null => {
    const p = props[i];
    if (p?.type !== 'colr' || p.end - p.start < 4) return null;
    const kind = String.fromCharCode(...buf.subarray(p.start, p.start + 4));
    return kind === 'prof' || kind === 'rICC' ? buf.subarray(p.start + 4, p.end) : null;
  };
  const all = props.map((_, i) => icc(i)).filter((x): x is Uint8Array => x !== null);
  if (all.length <= 1) return all[0] ?? null;
  // Several profiles: the one associated with the primary item (pitm, through ipma).
  const pitm = child(buf, meta, 'pitm', 4);
  const ipma = child(buf, iprp, 'ipma');
  if (!pitm || !ipma) return null;
  const primary = buf[pitm.start] === 0 ? view.getUint16(pitm.start + 4) : view.getUint32(pitm.start + 4);
  const version = buf[ipma.start]!;
  const wide = (buf[ipma.start + 3]! & 1) === 1;
  let at = ipma.start + 4;
  const entries = view.getUint32(at);
  at += 4;
  for (let e = 0; e < entries && at < ipma.end; e++) {
    const item = version < 1 ? view.getUint16(at) : view.getUint32(at);
    at += version < 1 ? 2 : 4;
    const count = buf[at++]!;
    for (let a = 0; a < count; a++) {
      const index = wide ? view.getUint16(at) & 0x7fff : buf[at]! & 0x7f;
      at += wide ? 2 : 1;
      const found = item === primary ? icc(index - 1) : null;
      if (found) return found;
    }
  }
  return null;
}
