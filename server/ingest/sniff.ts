import { AppError } from '../errors.ts';

/** The formats a contributor may send. */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic';

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.subarray(start, end).toString('latin1');
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/**
 * Decides the format from the bytes alone (never the file name or the declared type).
 * Throws a 415 or 422 AppError for anything that is not an accepted photo.
 */
export function sniffFormat(buf: Buffer): PhotoFormat {
  if (buf.length === 0) throw new AppError(422, 'CORRUPT_IMAGE', 'The file is empty.');
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a)
    return 'png';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 12 && ascii(buf, 4, 8) === 'ftyp') {
    const brands = [ascii(buf, 8, 12)];
    const boxSize = Math.min(buf.readUInt32BE(0), buf.length, 64);
    for (let i = 16; i + 4 <= boxSize; i += 4) brands.push(ascii(buf, i, i + 4));
    if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
    if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  }
  const head = ascii(buf, 0, Math.min(buf.length, 512)).trimStart().toLowerCase();
  const what = head.startsWith('%pdf')
    ? 'a PDF'
    : head.startsWith('gif8')
      ? 'a GIF'
      : head.startsWith('ii*\0') || head.startsWith('mm\0*')
        ? 'a TIFF'
        : head.includes('<svg')
          ? 'an SVG'
          : head.startsWith('<')
            ? 'an HTML or XML document'
            : null;
  throw new AppError(
    415,
    'UNSUPPORTED_FORMAT',
    `${what ? `This file is ${what}, not a photo` : 'This file is not a photo we can read'}. Please send a JPEG, PNG, WebP, AVIF or HEIC image.`,
  );
}
