/**
 * The size and colour components of a baseline or progressive JPEG, read from its frame
 * header (SOFn) by walking the marker segments. Ingest needs only these before it decodes:
 * the pixel, side and aspect limits, and whether the photo is plain 3-component colour.
 * Reading them here saves a whole sharp pipeline (`metadata()`) per photo.
 *
 * Anything unusual (no frame header before the scan, a height left to a DNL marker, a
 * precision other than 8 bits, a segment running past the end) returns null, and the
 * caller asks libvips instead: this reader never decides that a photo is broken.
 */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 for greyscale, 3 for YCbCr/RGB, 4 for CMYK/YCCK. */
  components: number;
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isFrameHeader(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

export function readJpegHeader(buf: Uint8Array): JpegHeader | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      i++;
      continue;
    }
    // Markers without a length: TEM, RSTn. A scan (SOS) or the end before a frame: give up.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null;
    const len = (buf[i + 2]! << 8) | buf[i + 3]!;
    if (len < 2 || i + 2 + len > buf.length) return null;
    if (isFrameHeader(marker)) {
      if (len < 8) return null;
      const precision = buf[i + 4]!;
      const height = (buf[i + 5]! << 8) | buf[i + 6]!;
      const width = (buf[i + 7]! << 8) | buf[i + 8]!;
      const components = buf[i + 9]!;
      if (precision !== 8 || width === 0 || height === 0 || len < 8 + 3 * components) return null;
      return { width, height, components };
    }
    i += 2 + len;
  }
  return null;
}
