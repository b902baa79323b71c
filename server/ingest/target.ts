import { boxAverage, gridFeatures } from '../../shared/mosaic/features.ts';
import { SUBGRID } from '../../shared/mosaic/types.ts';
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
  ) {}

  /** Opens a JPEG, PNG, WebP or SVG file; throws a readable error otherwise. */
  static async open(path: string): Promise<Target> {
    let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
    try {
      meta = await sharp(path).metadata();
    } catch (e) {
      throw new Error(`MOSAIC_TARGET ${path} cannot be read as an image: ${(e as Error).message}`);
    }
    if (!meta.width || !meta.height || !['jpeg', 'png', 'webp', 'svg', 'heif'].includes(meta.format ?? '')) {
      throw new Error(`MOSAIC_TARGET ${path} must be a JPEG, PNG, WebP (or SVG) image, not ${meta.format}`);
    }
    return new Target(path, meta.format === 'svg', meta.width, meta.height);
  }

  /** The target at exactly width x height (cover crop), as raw RGB. */
  async raster(width: number, height: number): Promise<Raster> {
    const scale = Math.max(width / this.srcWidth, height / this.srcHeight);
    const img = this.isVector
      ? sharp(this.path, { density: Math.min(2400, Math.max(1, 72 * scale)), limitInputPixels: false })
      : sharp(this.path, { limitInputPixels: false });
    const data = await img
      .resize(width, height, { fit: 'cover', kernel: 'lanczos3' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer();
    return { width, height, data };
  }

  /** Per-cell features of a cols x rows grid (see gridFeatures), cached per geometry. */
  async cellFeatures(cols: number, rows: number): Promise<Float32Array> {
    const key = `${cols}x${rows}`;
    const hit = this.featureCache.get(key);
    if (hit) return hit;
    const k = Math.max(1, Math.min(4, Math.floor(Math.sqrt(40e6 / (cols * rows * SUBGRID * SUBGRID)))));
    const r = await this.raster(cols * SUBGRID * k, rows * SUBGRID * k);
    const px = boxAverage(r.data, r.width, r.height, 3, cols * SUBGRID, rows * SUBGRID);
    const features = gridFeatures(px, 3, cols, rows);
    this.featureCache.set(key, features);
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
