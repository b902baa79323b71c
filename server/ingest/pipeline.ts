import type { CropBox, TileSize } from '../../shared/httpApi.ts';
import { boxAverage, featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { SUBGRID } from '../../shared/mosaic/types.ts';
import { PHOTO_LIMITS, type PhotoLimits, photoShapeProblem } from '../../shared/photoShape.ts';
import { AppError } from '../errors.ts';
import { ATTENTION_THUMB, attentionCrop } from './attention.ts';
import { decodeHeic } from './heic.ts';
import { saysDisplayP3 } from './heifBoxes.ts';
import { readJpegHeader } from './jpegHeader.ts';
import { sharp } from './sharp.ts';
import { quarter } from './shrink.ts';
import { sniffFormat } from './sniff.ts';
import { displayP3Profile, taggedPng } from './taggedPng.ts';
import { attentionThumb } from './thumb.ts';

const MASTER = 512;

export interface IngestOptions {
  /** Replace the photo with a non-identifying pixelated version that keeps its colours. */
  hideFaces?: boolean;
  limits?: PhotoLimits;
}

/** A processed photo: fresh re-encodes without any metadata, and its colour features. */
export interface IngestedPhoto {
  files: Map<TileSize, Buffer>;
  features: Float32Array;
  /** Mean sRGB of the tile. */
  rgb: [number, number, number];
  /** The square 128 px tile as raw RGB, for perceptual hashing (phashOf's default size); never stored. */
  small: Buffer;
  /**
   * The 32 px tile as raw RGB, stored beside the WebPs: atlas blocks are drawn from it without
   * a decode, and its WebP is encoded from it when asked for (`files` holds 128 and 512 only).
   */
  rgb32?: Buffer;
}

/** What the header says, as far as the decode needs it. */
interface Header {
  needsColourFix: boolean;
}

/**
 * What ingest decodes from: bytes libvips reads (the file's own, or for a HEIC with a colour
 * profile a PNG of its pixels tagged with it), or for other HEIC (which this libvips cannot
 * read: no HEVC decoder) its primary image, upright, as RGBA.
 */
type Source =
  | { buf: Buffer; size?: { width: number; height: number }; displayP3?: true }
  | { rgba: Buffer; width: number; height: number };

const corrupt = () =>
  new AppError(422, 'CORRUPT_IMAGE', 'This image is damaged or incomplete and cannot be read.');

/** The photo to decode to `side` px on its shorter side. */
async function open(buf: Buffer, limits: PhotoLimits, side: number): Promise<Source> {
  const format = sniffFormat(buf);
  // libvips reads an AVIF's ICC profile but not its nclx code points: Display P3 ones are
  // applied after the decode.
  if (format === 'avif' && saysDisplayP3(buf)) return { buf, displayP3: true };
  if (format !== 'heic') return { buf };
  const answer = await decodeHeic(buf, limits.maxPixels, side);
  if (answer.ok) {
    const { data, width, height } = answer;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // A PNG tagged with the photo's own colour profile: libvips reads it like any file.
    return answer.format === 'png' ? { buf: bytes, size: { width, height } } : { rgba: bytes, width, height };
  }
  if (answer.reason === 'too-many-pixels') checkSize(answer.width, answer.height, limits);
  throw corrupt();
}

/** Size and colour layout: from the JPEG frame header where it is plain, else from libvips. */
async function probe(src: Source): Promise<{ width?: number; height?: number; needsColourFix: boolean }> {
  if (!('buf' in src)) return { width: src.width, height: src.height, needsColourFix: true };
  // A HEIC's tagged PNG: its size is known, and its alpha and profile always need the colour pass.
  if (src.size) return { ...src.size, needsColourFix: true };
  const { buf } = src;
  const jpeg = readJpegHeader(buf);
  if (jpeg) return { width: jpeg.width, height: jpeg.height, needsColourFix: jpeg.components !== 3 };
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(buf, { limitInputPixels: false }).metadata();
  } catch {
    throw corrupt();
  }
  return {
    width: meta.width,
    height: meta.height,
    needsColourFix: !!meta.hasAlpha || meta.space !== 'srgb' || meta.channels !== 3,
  };
}

async function readHeader(src: Source, limits: PhotoLimits): Promise<Header> {
  const { width, height, needsColourFix } = await probe(src);
  if (!width || !height) throw new AppError(422, 'CORRUPT_IMAGE', 'This image has no readable size.');
  checkSize(width, height, limits);
  return { needsColourFix };
}

/** Refuses a photo too big, too small or too long and thin for the limits. */
function checkSize(width: number, height: number, limits: PhotoLimits): void {
  const problem = photoShapeProblem(width, height, limits);
  if (problem === 'TOO_MANY_PIXELS') {
    throw new AppError(
      413,
      'TOO_MANY_PIXELS',
      `This image is ${width}x${height} pixels; the limit is ${Math.round(limits.maxPixels / 1e6)} megapixels.`,
    );
  }
  if (problem === 'IMAGE_TOO_SMALL') {
    throw new AppError(
      422,
      'IMAGE_TOO_SMALL',
      `This image is ${width}x${height} pixels; its shorter side must be at least ${limits.minSide} pixels.`,
    );
  }
  if (problem === 'BAD_ASPECT_RATIO') {
    throw new AppError(
      422,
      'BAD_ASPECT_RATIO',
      `This image is too long and thin (${width}x${height}); the longer side may be at most ${limits.maxAspect} times the shorter.`,
    );
  }
}

/** A decoded image, raw interleaved RGB. */
interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes upright (auto-oriented from EXIF) and resized so that the shorter side is
 * `side`, as plain sRGB. JPEG shrink-on-load does most of the resize inside the decoder.
 */
async function decodeUpright(src: Source, limits: PhotoLimits, header: Header, side: number): Promise<Raw> {
  try {
    const img = (
      'buf' in src
        ? sharp(src.buf, { failOn: 'truncated', limitInputPixels: limits.maxPixels }).rotate()
        : sharp(src.rgba, { raw: { width: src.width, height: src.height, channels: 4 } })
    ).resize(side, side, { fit: 'outside' });
    // Most phone JPEGs are plain 3-channel sRGB: skip the extra passes for them.
    if (header.needsColourFix) img.flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha();
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    if ('buf' in src && src.displayP3) {
      // The decoded pixels are Display P3's: tagged with its profile, libvips converts them to sRGB.
      const png = taggedPng(data, info.width, info.height, await displayP3Profile(), 3);
      return {
        data: await sharp(png).toColourspace('srgb').raw().toBuffer(),
        width: info.width,
        height: info.height,
      };
    }
    return { data, width: info.width, height: info.height };
  } catch {
    throw corrupt();
  }
}

/** The side x side square at (left, top) of a raw RGB image. */
function cutSquare(img: Raw, left: number, top: number, side: number): Buffer {
  const row = img.width * 3;
  // Full-width rows are contiguous: no copy needed.
  if (img.width === side) return img.data.subarray(top * row, (top + side) * row);
  const out = Buffer.allocUnsafe(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = (top + y) * row + left * 3;
    img.data.copy(out, y * side * 3, from, from + side * 3);
  }
  return out;
}

/** The 32x32 thumbnail the attention crop scores, as sharp makes it. */
function sharpThumb(img: Raw): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(ATTENTION_THUMB, ATTENTION_THUMB, { fit: 'fill' })
    .raw()
    .toBuffer();
}

/**
 * Whether thumb.ts's port gives sharp's thumbnail byte for byte with the libvips this process
 * loaded, checked once on shapes ingest meets (landscape, portrait, square, a preview). A
 * libvips whose arithmetic moved (an upgrade) makes it false: ingest then asks sharp, as the
 * crop must stay libvips' own (attention.ts).
 */
let portChecked: Promise<boolean> | null = null;
export function thumbnailPortAgrees(): Promise<boolean> {
  portChecked ??= checkThumbnailPort(attentionThumb);
  return portChecked;
}

/** Whether `port` gives sharp's thumbnail on those shapes; warns when it does not. */
export async function checkThumbnailPort(
  port: (px: Uint8Array, width: number, height: number) => Buffer,
): Promise<boolean> {
  for (const [width, height] of [
    [683, 512],
    [512, 683],
    [512, 512],
    [1024, 512],
    [341, 256],
  ] as const) {
    const data = Buffer.allocUnsafe(width * height * 3);
    let seed = width * 7919 + height;
    for (let i = 0; i < data.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      // Smooth gradients with noise on top: the box and lanczos steps both matter.
      data[i] = ((i % (width * 3)) / 3 + (seed >>> 27)) & 255;
    }
    const img = { data, width, height };
    if (!port(data, width, height).equals(await sharpThumb(img))) {
      console.warn(
        'ingest: the attention thumbnail port differs from this libvips; thumbnails come from sharp',
      );
      return false;
    }
  }
  return true;
}

/**
 * Where sharp's `position: 'attention'` would put a side x side crop of the image: the
 * 32x32 thumbnail libvips scores (ported to JS in thumb.ts, byte for byte, without a
 * pipeline), then the scoring ported to JS (attention.ts): the same choice for a fraction
 * of the CPU.
 */
async function attentionSquare(img: Raw, side: number): Promise<{ left: number; top: number }> {
  const thumb = (await thumbnailPortAgrees())
    ? attentionThumb(img.data, img.width, img.height)
    : await sharpThumb(img);
  return attentionCrop(thumb, img.width, img.height, side, side);
}

/** The square master: the shorter side decoded at MASTER px, then the attention crop. */
async function decodeMaster(src: Source, limits: PhotoLimits, header: Header): Promise<Buffer> {
  const img = await decodeUpright(src, limits, header, MASTER);
  const { left, top } = await attentionSquare(img, MASTER);
  return cutSquare(img, left, top, MASTER);
}

async function pixelate(master: Buffer): Promise<Buffer> {
  const raw = { raw: { width: MASTER, height: MASTER, channels: 3 as const } };
  const small = await sharp(master, raw).resize(12, 12, { kernel: 'linear' }).raw().toBuffer();
  return sharp(small, { raw: { width: 12, height: 12, channels: 3 } })
    .resize(MASTER, MASTER, { kernel: 'nearest' })
    .raw()
    .toBuffer();
}

/** A fresh WebP of a square raw RGB image. sharp writes no metadata unless asked (no EXIF, XMP, ICC). */
export function tileWebp(px: Buffer, side: number): Promise<Buffer> {
  return sharp(px, { raw: { width: side, height: side, channels: 3 } })
    .webp(side >= 512 ? { quality: 78, effort: 0 } : { quality: 85, effort: 2 })
    .toBuffer();
}

/**
 * Where the subject-aware crop of {@link ingestPhoto} falls in a photo, for the contribute
 * page's preview: the same checks and the same attention strategy on a small decode.
 * Nothing is stored.
 */
export async function previewCrop(buf: Buffer, limits: PhotoLimits = PHOTO_LIMITS): Promise<CropBox> {
  const side = 256;
  const src = await open(buf, limits, side);
  const header = await readHeader(src, { ...limits, minSide: 1 });
  const img = await decodeUpright(src, limits, header, side);
  const { left, top } = await attentionSquare(img, side);
  return {
    left: left / img.width,
    top: top / img.height,
    width: side / img.width,
    height: side / img.height,
  };
}

/**
 * validate -> orient -> crop -> tiles -> colour features, all in memory.
 * Throws AppError (413/415/422) for anything that is not a usable photo.
 */
export async function ingestPhoto(buf: Buffer, opts: IngestOptions = {}): Promise<IngestedPhoto> {
  const limits = opts.limits ?? PHOTO_LIMITS;
  const src = await open(buf, limits, MASTER);
  const header = await readHeader(src, limits);
  let master = await decodeMaster(src, limits, header);
  if (opts.hideFaces) master = await pixelate(master);
  // Every size from the one master: 128 and 32 by exact 4:1 box shrinks, both encodes in parallel.
  // The 32 px tile is stored as its raw pixels only: its WebP is encoded when asked for
  // (readTileSize), which spares every photo a whole sharp pipeline.
  const m128 = quarter(master, MASTER);
  const m32 = quarter(m128, 128);
  const [f128, f512] = await Promise.all([tileWebp(m128, 128), tileWebp(master, MASTER)]);
  // The 3x3 sub-cell colours from the 128 px copy: box means as from the master (cell edges
  // fall on 4 px boundaries instead of 1 px ones), for 16 times fewer pixels.
  const sub = boxAverage(m128, 128, 128, 3, SUBGRID, SUBGRID);
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
    [128, f128],
    [512, f512],
  ]);
  return {
    files,
    features,
    rgb: [Math.round(r / n), Math.round(g / n), Math.round(b / n)],
    small: m128,
    rgb32: m32,
  };
}

/**
 * One size of a stored tile. Tiles keep their 32 px size as raw pixels only (older ones kept
 * a WebP too): for those, the 32 px WebP is encoded from the raw pixels at the stored sizes'
 * settings. Null when the tile has no such size (gone, or never stored).
 */
export async function readTileSize(
  read: (id: number, size: TileSize) => Promise<Buffer | null>,
  readRgb32: (id: number) => Promise<Buffer | null>,
  id: number,
  size: TileSize,
): Promise<Buffer | null> {
  const stored = await read(id, size);
  if (stored || size !== 32) return stored;
  const raw = await readRgb32(id);
  return raw ? tileWebp(raw, 32) : null;
}
