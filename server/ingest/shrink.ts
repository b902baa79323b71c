/**
 * Shrinks a square RGB image by exactly 4 on each side, each output pixel the rounded
 * mean of its 4x4 block (a box filter, like libvips' vips_shrink). For 512 -> 128 -> 32
 * this is well under a millisecond, where two lanczos3 resizes through sharp cost
 * several milliseconds of CPU; at exact 4:1 a box filter is the textbook choice.
 */
export function quarter(src: Uint8Array, side: number): Buffer {
  if (side % 4 !== 0 || src.length < side * side * 3) throw new RangeError(`quarter: bad side ${side}`);
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
