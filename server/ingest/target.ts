import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { boxAverage, gridFeatures } from '../../shared/mosaic/features.ts';
import type { Rect } from '../../shared/mosaic/pyramid.ts';
import { FEATURE_LEN, SUBGRID } from '../../shared/mosaic/types.ts';
import { sharp } from './sharp.ts';

/** A raw RGB raster. */
export interface Raster {
  width: number;
  height: number;
  data: Buffer;
}

/**
 * The target picture the mosaic reproduces. Rasterised on demand at the size a
 * use needs (SVG at a matching density), cropped to the grid's aspect ratio.
 */
export class Target {
  private readonly featureCache = new Map<string, Float32Array>();

  private constructor(
    readonly path: string,
    private readonly isVector: boolean,
    private readonly srcWidth: number,
    private readonly srcHeight: number,
    /** Where computed cell features are kept between starts (a hash of the picture names them), or null. */
    private readonly cacheDir: string | null,
    /** A hash of the picture: names what is derived from it. */
    readonly digest: string,
  ) {}

  /**
   * Opens a JPEG, PNG, WebP or SVG file; throws a readable error otherwise. With `cacheDir`,
   * the cell features of big grids are kept there between starts: rasterising the target for
   * a million cells takes seconds, reading them back milliseconds.
   */
  static async open(path: string, cacheDir: string | null = null): Promise<Target> {
    let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
    try {
      meta = await sharp(path).metadata();
    } catch (e) {
      throw new Error(`MOSAIC_TARGET ${path} cannot be read as an image: ${(e as Error).message}`);
    }
    if (!meta.width || !meta.height || !['jpeg', 'png', 'webp', 'svg', 'heif'].includes(meta.format ?? '')) {
      throw new Error(`MOSAIC_TARGET ${path} must be a JPEG, PNG, WebP (or SVG) image, not ${meta.format}`);
    }
    const digest = createHash('sha256')
      .update(await readFile(path))
      .digest('hex')
      .slice(0, 16);
    return new Target(path, meta.format === 'svg', meta.width, meta.height, cacheDir, digest);
  }

  /**
   * The target at exactly width x height (cover crop), as raw RGB; with `region`, only that
   * rectangle of it, with the same pixels as the whole (libvips computes only what is asked).
   */
  async raster(width: number, height: number, region?: Rect): Promise<Raster> {
    const scale = Math.max(width / this.srcWidth, height / this.srcHeight);
    const img = this.isVector
      ? sharp(this.path, { density: Math.min(2400, Math.max(1, 72 * scale)), limitInputPixels: false })
      : sharp(this.path, { limitInputPixels: false });
    img.resize(width, height, { fit: 'cover', kernel: 'lanczos3' });
    if (region) img.extract({ left: region.x, top: region.y, width: region.width, height: region.height });
    const data = await img
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer();
    return region ? { width: region.width, height: region.height, data } : { width, height, data };
  }

  /** Per-cell features of a cols x rows grid (see gridFeatures), cached per geometry. */
  async cellFeatures(cols: number, rows: number): Promise<Float32Array> {
    const key = `${cols}x${rows}`;
    const hit = this.featureCache.get(key);
    if (hit) return hit;
    const file = this.cacheFile(cols, rows);
    const features =
      (file ? await readFeatures(file, cols * rows) : null) ?? (await this.compute(cols, rows, file));
    this.featureCache.set(key, features);
    return features;
  }

  /**
   * Makes sure a big grid's features are on disk, without keeping them in memory: a cluster
   * follower does this after it starts, so that becoming placer reads them instead of
   * computing them (seconds at a million cells).
   */
  async warmCache(cols: number, rows: number): Promise<void> {
    const file = this.cacheFile(cols, rows);
    if (!file || this.featureCache.has(`${cols}x${rows}`) || existsSync(file)) return;
    await this.compute(cols, rows, file);
  }

  private cacheFile(cols: number, rows: number): string | null {
    return this.cacheDir && cols * rows >= CACHED_FROM_CELLS
      ? join(this.cacheDir, `cells-${this.digest}-${cols}x${rows}.f32`)
      : null;
  }

  private async compute(cols: number, rows: number, file: string | null): Promise<Float32Array> {
    const k = Math.max(1, Math.min(4, Math.floor(Math.sqrt(40e6 / (cols * rows * SUBGRID * SUBGRID)))));
    const r = await this.raster(cols * SUBGRID * k, rows * SUBGRID * k);
    const px = boxAverage(r.data, r.width, r.height, 3, cols * SUBGRID, rows * SUBGRID);
    const features = gridFeatures(px, 3, cols, rows);
    if (file) await writeFeatures(file, features).catch(() => {});
    return features;
  }

  /** Features computed before by cellFeatures(); throws if they were not. */
  cachedCellFeatures(cols: number, rows: number): Float32Array {
    const hit = this.featureCache.get(`${cols}x${rows}`);
    if (!hit) throw new Error(`cell features for ${cols}x${rows} were never computed`);
    return hit;
  }

  /** A PNG of the target for viewers, at most `maxSide` px on its longer side, in the grid's aspect. */
  async png(cols: number, rows: number, maxSide = 1024): Promise<Buffer> {
    const s = maxSide / Math.max(cols, rows);
    const r = await this.raster(Math.round(cols * s), Math.round(rows * s));
    return sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } })
      .png()
      .toBuffer();
  }
}

/** Grids from this many cells on keep their features on disk (smaller ones compute in well under a second). */
const CACHED_FROM_CELLS = 65_536;

async function readFeatures(file: string, cells: number): Promise<Float32Array | null> {
  try {
    // Straight into the array's memory: no second copy of a file that can be 100+ MB.
    const f = new Float32Array(cells * FEATURE_LEN);
    const into = new Uint8Array(f.buffer);
    const fh = await open(file, 'r');
    try {
      if ((await fh.stat()).size !== into.byteLength) return null;
      for (let at = 0; at < into.byteLength; ) {
        const { bytesRead } = await fh.read(into, at, into.byteLength - at, at);
        if (bytesRead <= 0) return null;
        at += bytesRead;
      }
    } finally {
      await fh.close();
    }
    return f;
  } catch {
    return null;
  }
}

/** temp file, then rename: a crash leaves the old file or none, never half of one. */
async function writeFeatures(file: string, f: Float32Array): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  await rename(tmp, file);
}
