/**
 * Precomputed photos for the cluster bench: real WebP files made once with sharp and colour
 * features taken from the same picture, handed out in turn with a little jitter on the
 * features, so that the engine has real choices to make while nothing is ingested.
 */
import sharp from 'sharp';
import type { IngestedPhoto } from '../../server/ingest/pipeline.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import { featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { FEATURE_LEN, SUBGRID } from '../../shared/mosaic/types.ts';

/** A 512 px gradient with a disc, different for each seed, as raw RGB. */
function picture(seed: number, side = 512): Buffer {
  const c = [(seed * 67) % 256, (seed * 131) % 256, (seed * 199) % 256] as const;
  const px = Buffer.alloc(side * side * 3);
  const r2 = (side * 0.2) ** 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const t = (x + y) / (2 * side);
      const inDisc = (x - side * 0.4) ** 2 + (y - side * 0.45) ** 2 < r2;
      const i = (y * side + x) * 3;
      for (let k = 0; k < 3; k++) px[i + k] = inDisc ? c[(k + 1) % 3]! : c[k]! * (1 - t) + (255 - c[k]!) * t;
    }
  }
  return px;
}

async function photo(seed: number): Promise<IngestedPhoto> {
  const px = picture(seed);
  const raw = { raw: { width: 512, height: 512, channels: 3 as const } };
  const files = new Map<TileSize, Buffer>();
  for (const side of [32, 128, 512] as const) {
    files.set(side, await sharp(px, raw).resize(side, side).webp({ quality: 80, effort: 0 }).toBuffer());
  }
  const grid = await sharp(px, raw).resize(SUBGRID, SUBGRID, { kernel: 'linear' }).raw().toBuffer();
  const features = featuresFromSubgrid(grid, 3);
  const mean = await sharp(px, raw).resize(1, 1).raw().toBuffer();
  const small = await sharp(px, raw).resize(128, 128).raw().toBuffer();
  return { files, features, rgb: [mean[0]!, mean[1]!, mean[2]!], small };
}

/** `count` distinct photos, handed out in turn by {@link BenchPhotos.next}. */
export class BenchPhotos {
  private i = 0;
  private rng = 0x9e3779b9;

  private constructor(private readonly photos: IngestedPhoto[]) {}

  static async make(count: number): Promise<BenchPhotos> {
    return new BenchPhotos(await Promise.all(Array.from({ length: count }, (_, i) => photo(i + 1))));
  }

  private jitter(): number {
    this.rng = (this.rng * 1103515245 + 12345) >>> 0;
    return (this.rng / 2 ** 32 - 0.5) * 6;
  }

  /** The next photo, its features moved by a few Lab units. */
  next(): IngestedPhoto {
    const p = this.photos[this.i++ % this.photos.length]!;
    const features = new Float32Array(FEATURE_LEN);
    for (let k = 0; k < FEATURE_LEN; k++) features[k] = p.features[k]! + this.jitter();
    return { ...p, features };
  }
}
