import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A gradient photo with a disc and some noise, as JPEG, different for each seed. */
export async function syntheticJpeg(width: number, height: number, seed = 1, quality = 85): Promise<Buffer> {
  const c = [(seed * 67) % 256, (seed * 131) % 256, (seed * 199) % 256] as const;
  const px = Buffer.alloc(width * height * 3);
  const r2 = (Math.min(width, height) * 0.2) ** 2;
  let noise = seed * 2654435761;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const inDisc = (x - width * 0.4) ** 2 + (y - height * 0.45) ** 2 < r2;
      noise = (noise * 1103515245 + 12345) >>> 0;
      const n = ((noise >>> 24) % 17) - 8;
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const base = inDisc ? c[(k + 1) % 3]! : c[k]! * (1 - t) + (255 - c[k]!) * t;
        px[i + k] = Math.max(0, Math.min(255, base + n));
      }
    }
  }
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring side x side 8-bit greyscale
 * pixels whose IDAT inflates to side*(side+1) zero bytes. About 1 MB at 30000.
 */
export function pngBomb(side = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc(side * (side + 1));
  const idat = deflateSync(raw, { level: 9 });
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A phone-size JPEG made from one of the real test photos (resized, with mild sensor
 * noise so that no two are byte-identical), like a camera's output at quality 90.
 */
export async function phoneJpeg(source: Buffer, width: number, height: number, seed = 1): Promise<Buffer> {
  const { data, info } = await sharp(source)
    .rotate()
    .resize(width, height, { fit: 'cover' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let noise = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    noise = (noise * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, data[i]! + ((noise >>> 28) % 5) - 2));
  }
  return sharp(data, { raw: info }).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer();
}

/** A deterministic pseudo-random raw RGB image: every byte from 0 to 255. */
export function noiseRgb(width: number, height: number, seed = 1): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    px[i] = s >>> 24;
  }
  return px;
}

/** Mean absolute difference per byte of two pixel buffers of the same length. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / a.length;
}
