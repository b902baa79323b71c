/**
 * libheif compiled to WebAssembly: the primary image of a HEIC photo, upright (libheif applies
 * the file's rotation and mirroring), as RGBA. It runs wherever it is called, so the server
 * calls it in its worker thread (heicWorker.ts, through heic.ts), never on the event loop.
 */
import { createRequire } from 'node:module';
import { type HeifColour, heifColour, isDisplayP3 } from './heifBoxes.ts';
import { halveRgba } from './shrink.ts';
import { displayP3Profile, taggedPng } from './taggedPng.ts';

/** One HEIC file, the most pixels it may decode to, and the shorter side ingest needs of it. */
export interface HeicAsk {
  buf: Uint8Array;
  maxPixels: number;
  side: number;
}

/**
 * The primary image upright: as RGBA in sRGB, or, when the file carries an ICC profile (an
 * iPhone's Display P3) or says Display P3 by code points (`nclx`), as a PNG of those pixels
 * tagged with that profile, which libvips converts to sRGB as it reads. Or why not: the file
 * says a size over the limit, or it cannot be read.
 */
export type HeicAnswer =
  | { ok: true; width: number; height: number; format: 'rgba' | 'png'; data: Uint8Array }
  | { ok: false; reason: 'corrupt' }
  | { ok: false; reason: 'too-many-pixels'; width: number; height: number };

interface HeifImage {
  get_width(): number;
  get_height(): number;
  is_primary(): boolean;
  display(
    target: { data: Uint8ClampedArray; width: number; height: number },
    done: (shown: { data: Uint8ClampedArray } | null) => void,
  ): void;
  free(): void;
}
interface LibHeif {
  ready?: Promise<unknown>;
  HeifDecoder: new () => { decode(buf: Uint8Array): HeifImage[]; decoder: { delete(): void } | null };
}

let libheif: LibHeif | null = null;

function display(image: HeifImage, width: number, height: number): Promise<Uint8ClampedArray> {
  return new Promise((resolve, reject) => {
    image.display({ data: new Uint8ClampedArray(width * height * 4), width, height }, (shown) =>
      shown ? resolve(shown.data) : reject(new Error('HEIF decode failed')),
    );
  });
}

/**
 * The ICC profile the pixels are in: the file's own, or for `nclx` Display P3 libvips' built-in
 * P3 profile. Null for sRGB, BT.709's primaries, and what has no profile here (BT.2020's
 * primaries, HDR curves): those are read as sRGB.
 */
async function profileOf(colour: HeifColour | null): Promise<Uint8Array | null> {
  if (!colour) return null;
  if ('icc' in colour) return colour.icc;
  return isDisplayP3(colour.nclx) ? displayP3Profile() : null;
}

/** Decodes `ask.buf`'s primary image, refusing from the size the file states before any pixel is decoded. */
export async function decodeHeicHere(ask: HeicAsk): Promise<HeicAnswer> {
  libheif ??= createRequire(import.meta.url)('libheif-js/wasm-bundle') as LibHeif;
  await libheif.ready;
  const decoder = new libheif.HeifDecoder();
  const images = decoder.decode(ask.buf);
  try {
    const image = images.find((i) => i.is_primary()) ?? images[0];
    if (!image) return { ok: false, reason: 'corrupt' };
    const width = image.get_width();
    const height = image.get_height();
    if (!(width > 0 && height > 0)) return { ok: false, reason: 'corrupt' };
    if (width * height > ask.maxPixels) return { ok: false, reason: 'too-many-pixels', width, height };
    const shown = await display(image, width, height);
    let img = { data: new Uint8Array(shown.buffer, shown.byteOffset, shown.byteLength), width, height };
    // No shrink-on-load here: halve by boxes while at least twice the side ingest needs remains.
    while (Math.min(img.width, img.height) >= 4 * ask.side) img = halveRgba(img.data, img.width, img.height);
    const icc = await profileOf(heifColour(ask.buf));
    const data = icc ? taggedPng(img.data, img.width, img.height, icc) : img.data;
    return { ok: true, width: img.width, height: img.height, format: icc ? 'png' : 'rgba', data };
  } catch {
    return { ok: false, reason: 'corrupt' };
  } finally {
    for (const i of images) i.free();
    decoder.decoder?.delete();
  }
}
