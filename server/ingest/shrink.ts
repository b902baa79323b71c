/** Whether this machine stores a Uint32's low byte first (every platform Node ships for does). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Shrinks a square RGB image by exactly 4 on each side, each output pixel the rounded
 * mean of its 4x4 block (a box filter, like libvips' vips_shrink). For 512 -> 128 -> 32
 * this is well under a millisecond, where two lanczos3 resizes through sharp cost
 * several milliseconds of CPU; at exact 4:1 a box filter is the textbook choice.
 */
export function quarter(src: Uint8Array, side: number): Buffer {
  if (side % 4 !== 0 || src.length < side * side * 3) throw new RangeError(`quarter: bad side ${side}`);
  return LITTLE_ENDIAN && src.byteOffset % 4 === 0 ? quarterWords(src, side) : quarterBytes(src, side);
}

/**
 * Four pixels of a row are 12 bytes, three aligned 32-bit words (a row of side x 3 bytes,
 * side a multiple of 4, keeps every row aligned). Each word is split into its even and
 * odd bytes as two 16-bit lanes, and the lanes of the block's four rows are added in one
 * go (at most 4 x 255 each, so no lane overflows): a quarter of the loads and about half
 * the additions of a byte at a time. The bytes of the 4 pixels R0 G0 B0 R1 | G1 B1 R2 G2 |
 * B2 R3 G3 B3 fall in the lanes as named below.
 */
function quarterWords(src: Uint8Array, side: number): Buffer {
  const out = side / 4;
  const dst = Buffer.allocUnsafe(out * out * 3);
  const words = new Uint32Array(src.buffer, src.byteOffset, (side * side * 3) >> 2);
  const row = (side * 3) >> 2;
  for (let oy = 0; oy < out; oy++) {
    let o = oy * out * 3;
    for (let ox = 0, i = oy * 4 * row; ox < out; ox++, i += 3, o += 3) {
      let e0 = 0; // R0 | B0
      let o0 = 0; // G0 | R1
      let e1 = 0; // G1 | R2
      let o1 = 0; // B1 | G2
      let e2 = 0; // B2 | G3
      let o2 = 0; // R3 | B3
      for (let dy = 0, j = i; dy < 4; dy++, j += row) {
        const a = words[j]!;
        const b = words[j + 1]!;
        const c = words[j + 2]!;
        e0 += a & 0xff00ff;
        o0 += (a >>> 8) & 0xff00ff;
        e1 += b & 0xff00ff;
        o1 += (b >>> 8) & 0xff00ff;
        e2 += c & 0xff00ff;
        o2 += (c >>> 8) & 0xff00ff;
      }
      dst[o] = ((e0 & 0xffff) + (o0 >>> 16) + (e1 >>> 16) + (o2 & 0xffff) + 8) >> 4;
      dst[o + 1] = ((o0 & 0xffff) + (e1 & 0xffff) + (o1 >>> 16) + (e2 >>> 16) + 8) >> 4;
      dst[o + 2] = ((e0 >>> 16) + (o1 & 0xffff) + (e2 & 0xffff) + (o2 >>> 16) + 8) >> 4;
    }
  }
  return dst;
}

/** The same, a byte at a time: for input that does not start on a 4-byte boundary. */
function quarterBytes(src: Uint8Array, side: number): Buffer {
  const out = side / 4;
  const dst = Buffer.allocUnsafe(out * out * 3);
  const row = side * 3;
  for (let oy = 0; oy < out; oy++) {
    const r0 = oy * 4 * row;
    let o = oy * out * 3;
    for (let ox = 0; ox < out; ox++, o += 3) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (let dy = 0, i = r0 + ox * 12 + k; dy < 4; dy++, i += row) {
          s += src[i]! + src[i + 3]! + src[i + 6]! + src[i + 9]!;
        }
        dst[o + k] = (s + 8) >> 4;
      }
    }
  }
  return dst;
}

/**
 * Halves an RGBA image on each side, each output pixel the rounded mean of its 2x2 block (a
 * last odd row or column is dropped). Where a photo arrives as full-size pixels (HEIC, which
 * libheif decodes with no shrink-on-load), what is handed on stays near what ingest needs.
 */
export function halveRgba(
  src: Uint8Array,
  width: number,
  height: number,
): { data: Uint8Array; width: number; height: number } {
  const w = width >> 1;
  const h = height >> 1;
  const data = new Uint8Array(w * h * 4);
  const row = width * 4;
  for (let y = 0; y < h; y++) {
    let i = 2 * y * row;
    let o = y * w * 4;
    for (let x = 0; x < w; x++, i += 8, o += 4) {
      for (let c = 0; c < 4; c++) {
        data[o + c] = (src[i + c]! + src[i + 4 + c]! + src[i + row + c]! + src[i + row + 4 + c]! + 2) >> 2;
      }
    }
  }
  return { data, width: w, height: h };
}
