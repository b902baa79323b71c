/**
 * A server process for test/bench/cluster.ts: server/index.ts with the ingest replaced by a
 * bench pipeline that ignores the upload's bytes and returns one of a few precomputed photos
 * (real WebP files made once with sharp, colour features taken from the same picture, with a
 * little jitter per upload so that the engine has real choices to make). What it measures is
 * everything after ingest: store, placer request, commit, log, fan-out.
 *
 * Cluster node with DATABASE_URL and REDIS_URL, single process (SQLite in DATA_DIR) without.
 * BENCH_PHOTOS: how many distinct photos to precompute (default 16).
 */
import sharp from 'sharp';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import type { IngestedPhoto } from '../../server/ingest/pipeline.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import { featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { FEATURE_LEN, SUBGRID } from '../../shared/mosaic/types.ts';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 16);

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

const photos = await Promise.all(Array.from({ length: PHOTOS }, (_, i) => photo(i + 1)));
let next = 0;
let rng = 0x9e3779b9;
const jitter = () => {
  rng = (rng * 1103515245 + 12345) >>> 0;
  return (rng / 2 ** 32 - 0.5) * 6;
};

/** The bench pipeline: the next precomputed photo, its features moved by a few Lab units. */
async function pipeline(): Promise<IngestedPhoto> {
  const p = photos[next++ % photos.length]!;
  const features = new Float32Array(FEATURE_LEN);
  for (let i = 0; i < FEATURE_LEN; i++) features[i] = p.features[i]! + jitter();
  return { ...p, features };
}

try {
  const config = readConfig();
  const app = await createApp({ config, pipeline });
  const port = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  console.log(`Bench node: ${app.mosaic.tileCount} tiles on a ${app.mosaic.cols}x${app.mosaic.rows} grid`);
  console.log(`Open ${url}/  (bench pipeline, ${PHOTOS} photos)`);
  const stop = () => {
    app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
