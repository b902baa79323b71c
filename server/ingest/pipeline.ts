import { boxAverage, featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { SUBGRID } from '../../shared/mosaic/types.ts';
import { AppError } from '../errors.ts';
import { sharp } from './sharp.ts';
import { sniffFormat } from './sniff.ts';

/** The sizes every tile is served at, in px (square). */
export const TILE_SIZES = [32, 128, 512] as const;
/** One of {@link TILE_SIZES}. */
export type TileSize = (typeof TILE_SIZES)[number];
const MASTER = 512;

/** What the checks allow. */
export interface IngestLimits {
  maxPixels: number;
  minSide: number;
  maxAspect: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxPixels: 50_000_000, minSide: 200, maxAspect: 4 };

export interface IngestOptions {
  /** Replace the photo with a non-identifying pixelated version that keeps its colours. */
  hideFaces?: boolean;
  limits?: IngestLimits;
}

/** A processed photo: fresh re-encodes without any metadata, and its colour features. */
export interface IngestedPhoto {
  files: Map<TileSize, Buffer>;
  features: Float32Array;
  /** Mean sRGB of the tile. */
  rgb: [number, number, number];
  /** The square 512 px master as raw RGB, for perceptual hashing; never stored. */
  master: Buffer;
}

/** What the header says, as far as the decode needs it. */
interface Header {
  needsColourFix: boolean;
}

async function readHeader(buf: Buffer, limits: IngestLimits): Promise<Header> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    throw new AppError(422, 'CORRUPT_IMAGE', 'This image is damaged or incomplete and cannot be read.');
  }
  const { width, height } = meta;
  if (!width || !height) throw new AppError(422, 'CORRUPT_IMAGE', 'This image has no readable size.');
  if (width * height > limits.maxPixels) {
    throw new AppError(
      413,
      'TOO_MANY_PIXELS',
      `This image is ${width}x${height} pixels; the limit is ${Math.round(limits.maxPixels / 1e6)} megapixels.`,
    );
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new AppError(
      422,
      'IMAGE_TOO_SMALL',
      `This image is ${width}x${height} pixels; its shorter side must be at least ${limits.minSide} pixels.`,
    );
  }
  if (Math.max(width, height) / Math.min(width, height) > limits.maxAspect) {
    throw new AppError(
      422,
      'BAD_ASPECT_RATIO',
      `This image is too long and thin (${width}x${height}); the longer side may be at most ${limits.maxAspect} times the shorter.`,
    );
  }
  return { needsColourFix: !!meta.hasAlpha || meta.space !== 'srgb' || meta.channels !== 3 };
}

async function decodeMaster(buf: Buffer, limits: IngestLimits, header: Header): Promise<Buffer> {
  try {
    // Auto-orient from EXIF, then let shrink-on-load do most of the work before the
    // attention crop: the crop runs on an image whose shorter side is about 512 px.
    const img = sharp(buf, { failOn: 'truncated', limitInputPixels: limits.maxPixels })
      .rotate()
      .resize(MASTER, MASTER, { fit: 'cover', position: 'attention' });
    // Most phone JPEGs are plain 3-channel sRGB: skip the extra passes for them.
    if (header.needsColourFix) img.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha();
    return await img.raw().toBuffer();
  } catch {
    throw new AppError(422, 'CORRUPT_IMAGE', 'This image is damaged or incomplete and cannot be read.');
  }
}

async function pixelate(master: Buffer): Promise<Buffer> {
  const raw = { raw: { width: MASTER, height: MASTER, channels: 3 as const } };
  const small = await sharp(master, raw).resize(12, 12, { kernel: 'linear' }).raw().toBuffer();
  return sharp(small, { raw: { width: 12, height: 12, channels: 3 } })
    .resize(MASTER, MASTER, { kernel: 'nearest' })
    .raw()
    .toBuffer();
}

function encode(master: Buffer, size: TileSize): Promise<Buffer> {
  const img = sharp(master, { raw: { width: MASTER, height: MASTER, channels: 3 } });
  if (size !== MASTER) img.resize(size, size, { kernel: 'lanczos3' });
  // sharp writes no metadata unless asked (no EXIF, XMP, ICC): every served byte is this re-encode.
  return img.webp({ quality: size >= 512 ? 78 : 85, effort: size >= 512 ? 0 : 2 }).toBuffer();
}

/** The square the attention crop keeps, as fractions of the upright image's width and height. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the subject-aware crop of {@link ingestPhoto} falls in a photo, for the contribute
 * page's preview: the same checks and the same attention strategy on a small decode.
 * Nothing is stored.
 */
export async function previewCrop(buf: Buffer, limits: IngestLimits = DEFAULT_LIMITS): Promise<CropBox> {
  sniffFormat(buf);
  const header = await readHeader(buf, { ...limits, minSide: 1 });
  const side = 256;
  try {
    const img = sharp(buf, { failOn: 'truncated', limitInputPixels: limits.maxPixels }).rotate();
    const meta = await sharp(buf).metadata();
    const upright = (meta.orientation ?? 1) >= 5;
    const w = upright ? meta.height! : meta.width!;
    const h = upright ? meta.width! : meta.height!;
    if (header.needsColourFix) img.removeAlpha();
    const { info } = await img
      .resize(side, side, { fit: 'cover', position: 'attention' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    // cover resizes the shorter side to `side`; the crop offsets are in that resized frame.
    const scale = side / Math.min(w, h);
    const rw = w * scale;
    const rh = h * scale;
    return {
      left: -(info.cropOffsetLeft ?? 0) / rw,
      top: -(info.cropOffsetTop ?? 0) / rh,
      width: side / rw,
      height: side / rh,
    };
  } catch {
    throw new AppError(422, 'CORRUPT_IMAGE', 'This image is damaged or incomplete and cannot be read.');
  }
}

/**
 * validate -> orient -> crop -> tiles -> colour features, all in memory.
 * Throws AppError (413/415/422) for anything that is not a usable photo.
 */
export async function ingestPhoto(buf: Buffer, opts: IngestOptions = {}): Promise<IngestedPhoto> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  sniffFormat(buf);
  const header = await readHeader(buf, limits);
  let master = await decodeMaster(buf, limits, header);
  if (opts.hideFaces) master = await pixelate(master);
  const [f32, f128, f512] = await Promise.all(TILE_SIZES.map((s) => encode(master, s)));
  const sub = boxAverage(master, MASTER, MASTER, 3, SUBGRID, SUBGRID);
  const features = featuresFromSubgrid(sub, 3);
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < sub.length; i += 3) {
    r += sub[i]!;
    g += sub[i + 1]!;
    b += sub[i + 2]!;
  }
  const n = sub.length / 3;
  const files = new Map<TileSize, Buffer>([
    [32, f32!],
    [128, f128!],
    [512, f512!],
  ]);
  return { files, features, rgb: [Math.round(r / n), Math.round(g / n), Math.round(b / n)], master };
}
