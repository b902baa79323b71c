/**
 * A server process for test/bench/cluster.ts: server/index.ts with the ingest replaced by a
 * bench pipeline that ignores the upload's bytes and returns one of a few precomputed photos
 * (_benchPhotos.ts). What it measures is everything after ingest: store, placer request,
 * commit, log, fan-out.
 *
 * Cluster node with DATABASE_URL and REDIS_URL, single process (SQLite in DATA_DIR) without.
 * BENCH_PHOTOS: how many distinct photos to precompute (default 16).
 */
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import type { IngestedPhoto } from '../../server/ingest/pipeline.ts';
import { BenchPhotos } from './_benchPhotos.ts';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 16);
const photos = await BenchPhotos.make(PHOTOS);

/** The bench pipeline: the next precomputed photo, whatever was uploaded. */
async function pipeline(): Promise<IngestedPhoto> {
  return photos.next();
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
