import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** The most a stored deflate block holds. */
const BLOCK = 65535;

/** Adler-32 of `bytes[start, end)` continued from `sum` (RFC 1950), sums folded every 5552 bytes. */
function adler32(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let a = sum & 0xffff;
  let b = sum >>> 16;
  for (let i = start; i < end; ) {
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * RGBA (or with `channels` 3, RGB) pixels tagged with an ICC profile, as a PNG whose pixels are
 * stored, not compressed: the one form in which libvips (through sharp) takes a profile with raw
 * pixels, and converts from it to sRGB as it decodes. Written into one buffer: no copy of the
 * image beyond its own.
 */
export function taggedPng(
  rgba: Uint8Array,
  width: number,
  height: number,
  icc: Uint8Array,
  channels: 3 | 4 = 4,
): Buffer {
  const stride = width * channels;
  const row = stride + 1; // a filter byte (0: none), then the row's pixels
  const raw = row * height;
  const blocks = Math.max(1, Math.ceil(raw / BLOCK));
  const idat = 2 + raw + blocks * 5 + 4;
  const iccp = Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]);
  // Its own memory (not a slice of the pool small buffers share), as it is handed on as a transfer.
  const out = Buffer.from(new ArrayBuffer(8 + 25 + 12 + iccp.length + 12 + idat + 12));
  out.set(SIGNATURE, 0);
  let at = 8;
  const chunk = (type: string, length: number, fill: (o: number) => void): void => {
    out.writeUInt32BE(length, at);
    out.write(type, at + 4, 'latin1');
    fill(at + 8);
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)), at + 8 + length);
    at += 12 + length;
  };
  chunk('IHDR', 13, (o) => {
    out.writeUInt32BE(width, o);
    out.writeUInt32BE(height, o + 4);
    // 8 bits, RGBA (6) or RGB (2), deflate, no filter method beyond 0, not interlaced.
    out.set([8, channels === 4 ? 6 : 2, 0, 0, 0], o + 8);
  });
  chunk('iCCP', iccp.length, (o) => out.set(iccp, o));
  chunk('IDAT', idat, (o) => {
    out[o] = 0x78; // deflate, 32 KB window
    out[o + 1] = 0x01;
    let w = o + 2;
    let sum = 1;
    for (let v = 0; v < raw; ) {
      const end = Math.min(raw, v + BLOCK);
      out[w] = end === raw ? 1 : 0; // BFINAL on the last, BTYPE 00: stored
      out.writeUInt16LE(end - v, w + 1);
      out.writeUInt16LE(~(end - v) & 0xffff, w + 3);
      w += 5;
      const from = w;
      // The scanline stream [v, end): filter bytes between the rows' pixels.
      while (v < end) {
        const y = Math.floor(v / row);
        const c = v - y * row;
        if (c === 0) {
          out[w++] = 0;
          v++;
          continue;
        }
        const n = Math.min(row - c, end - v);
        const src = y * stride + c - 1;
        out.set(rgba.subarray(src, src + n), w);
        w += n;
        v += n;
      }
      sum = adler32(out, from, w, sum);
    }
    out.writeUInt32BE(sum, w);
  });
  chunk('IEND', 0, () => undefined);
  return out;
}

let displayP3: Promise<Uint8Array> | null = null;

/** libvips' built-in Display P3 profile (the one sharp's `withIccProfile('p3')` writes), read once. */
export function displayP3Profile(): Promise<Uint8Array> {
  displayP3 ??= (async () => {
    // Imported here, not at the top: a HEIC worker thread loads sharp only for such a photo. The
    // server's main thread has loaded it first, as sharp asks on Linux of threads that use it.
    const { default: sharp } = await import('sharp');
    const dot = { create: { width: 1, height: 1, channels: 3 as const, background: '#000' } };
    const png = await sharp(dot).withIccProfile('p3').png().toBuffer();
    return new Uint8Array((await sharp(png).metadata()).icc!);
  })();
  return displayP3;
}
