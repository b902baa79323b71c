/**
 * Ingest throughput: phone-size JPEGs (2-12 MP) uploaded over HTTP to the real server,
 * beside a naive sharp pipeline (rotate, attention crop at full size, two WebP sizes,
 * stats) and the shrink-on-load decode floor, all measured in this run.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { phoneJpeg } from '../support/images.ts';
import { removeDir, tempDataDir, upload } from '../support/server.ts';

const SIZES: [number, number][] = [
  [1632, 1224], // 2 MP
  [2592, 1944], // 5 MP
  [3264, 2448], // 8 MP
  [4032, 3024], // 12 MP
];
const CONCURRENCY = 4;

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function naive(buf: Buffer): Promise<void> {
  const rotated = await sharp(buf).rotate().toBuffer({ resolveWithObject: true });
  const side = Math.min(rotated.info.width, rotated.info.height);
  const crop = await sharp(rotated.data)
    .resize(side, side, { fit: 'cover', position: 'attention' })
    .toBuffer();
  await Promise.all([
    sharp(crop).resize(512, 512).webp().toBuffer(),
    sharp(crop).resize(128, 128).webp().toBuffer(),
    sharp(crop).stats(),
  ]);
}

async function decodeFloor(buf: Buffer): Promise<void> {
  await sharp(buf).resize(512, 512, { fit: 'cover' }).raw().toBuffer();
}

export async function run(): Promise<void> {
  console.log('\n## Ingest: phone-size JPEGs over HTTP');
  const photos: Buffer[] = [];
  const sources = ['astronaut-orient6-gps.jpg', 'rocket-3mp.jpg', 'hubble-small.jpg'].map((f) =>
    readFileSync(join(import.meta.dirname, '../fixtures', f)),
  );
  for (let i = 0; i < 8; i++) {
    const [w, h] = SIZES[i % SIZES.length]!;
    photos.push(await phoneJpeg(sources[i % sources.length]!, w, h, i + 1));
  }
  const mp = photos.length ? SIZES.reduce((s, [w, h]) => s + (w * h) / 1e6, 0) / SIZES.length : 0;
  const N = Number(process.env.BENCH_INGEST_N ?? 96);
  const work = Array.from({ length: N }, (_, i) => photos[i % photos.length]!);

  const dataDir = tempDataDir();
  const config = readConfig({
    DATA_DIR: dataDir,
    MOSAIC_COLS: '64',
    MOSAIC_ROWS: '64',
    UPLOAD_RATE_LIMIT: '0',
    DUPLICATE_CHECK: '0',
  });
  const app = await createApp({ config });
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  await upload(url, photos[0]!); // warm-up
  let failures = 0;
  const httpSecs = await pool(work, CONCURRENCY, async (p) => {
    const r = await upload(url, p);
    if (r.status !== 201) failures++;
    await r.arrayBuffer();
  });
  await app.close();
  removeDir(dataDir);
  const rssAfterHttp = process.resourceUsage().maxRSS / 1024;

  const naiveN = Math.min(N, 32);
  const naiveSecs = await pool(work.slice(0, naiveN), CONCURRENCY, naive);
  const floorSecs = await pool(work, CONCURRENCY, decodeFloor);

  const ours = N / httpSecs;
  const ref = naiveN / naiveSecs;
  const floor = N / floorSecs;
  console.log(
    `photos: ${N} JPEGs, 2-12 MP (mean ${mp.toFixed(1)} MP), ${CONCURRENCY} concurrent, sharp concurrency ${sharp.concurrency()}`,
  );
  console.log(
    `ingest over HTTP (validate, orient, attention crop, 32/128/512 WebP, features, fsync, SQLite): ${ours.toFixed(1)} photos/s${failures ? ` (${failures} failed!)` : ''}`,
  );
  console.log(
    `naive sharp pipeline (rotate, full-size attention crop, 2 WebP, stats; in-process, no HTTP): ${ref.toFixed(1)} photos/s`,
  );
  console.log(`ratio ours / naive: ${(ours / ref).toFixed(2)}x   (target >= 3x and >= 60 photos/s)`);
  console.log(
    `decode floor (shrink-on-load to 512, raw): ${floor.toFixed(1)} photos/s; ours reaches ${((ours / floor) * 100).toFixed(0)}% of it`,
  );
  console.log(
    `peak RSS of the bench process after the HTTP run (server + client): ${rssAfterHttp.toFixed(0)} MB`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
