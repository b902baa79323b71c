/**
 * Ingest throughput: phone-size JPEGs (2-12 MP) uploaded over HTTP to the real server,
 * beside a naive sharp pipeline (rotate, attention crop at full size, two WebP sizes,
 * stats) and the shrink-on-load decode floor, all measured in this run.
 *
 * The client sends prebuilt multipart bodies over keep-alive node:http connections, so
 * that the process's CPU goes to the server as far as possible (undici's fetch with a
 * FormData of a Blob cost ~5 ms of CPU per 3 MB upload here, about a fifth of the decode).
 * Every phase reports CPU milliseconds per photo as well as photos/s: on a shared machine
 * the wall-clock rates move with the load, the CPU cost much less.
 */

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { phoneJpeg } from '../support/images.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const SIZES: [number, number][] = [
  [1632, 1224], // 2 MP
  [2592, 1944], // 5 MP
  [3264, 2448], // 8 MP
  [4032, 3024], // 12 MP
];
const CONCURRENCY = Number(process.env.BENCH_INGEST_CONCURRENCY ?? 4);

interface Phase {
  n: number;
  secs: number;
  /** CPU time of the whole process (all threads, user + system), microseconds. */
  cpuUs: number;
}

const phase = (): Phase => ({ n: 0, secs: 0, cpuUs: 0 });
const perSec = (p: Phase) => p.n / p.secs;
const cpuMs = (p: Phase) => p.cpuUs / 1000 / p.n;

/** Runs fn over items, n at a time, and adds the time and CPU taken to acc. */
async function pool<T>(acc: Phase, items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
  acc.secs += (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  acc.cpuUs += cpu.user + cpu.system;
  acc.n += items.length;
}

/**
 * The naive way: auto-orient and attention-crop the full-size image in one pipeline to raw,
 * then the 512 and 128 px WebP (sharp's defaults) from that crop, and sharp's stats()
 * either of the full-size crop (the issue's wording) or, leaner, of the 128 px tile.
 */
async function naive(buf: Buffer, statsOf: 'crop' | 'tile'): Promise<void> {
  const meta = await sharp(buf).metadata();
  const side = Math.min(meta.width!, meta.height!);
  const { data, info } = await sharp(buf)
    .rotate()
    .resize(side, side, { fit: 'cover', position: 'attention' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const [, tile] = await Promise.all([
    sharp(data, raw).resize(512, 512).webp().toBuffer(),
    sharp(data, raw).resize(128, 128).webp().toBuffer(),
    statsOf === 'crop' ? sharp(data, raw).stats() : null,
  ]);
  if (statsOf === 'tile') await sharp(tile).stats();
}

async function decodeFloor(buf: Buffer): Promise<Buffer> {
  return sharp(buf).resize(512, 512, { fit: 'cover' }).raw().toBuffer();
}

/**
 * The two steps no pipeline that serves a 512 px WebP can skip: the decode floor, then
 * that one WebP at the settings ingest uses. No HTTP, no store, no other size.
 */
async function requiredFloor(buf: Buffer): Promise<void> {
  const px = await decodeFloor(buf);
  await sharp(px, { raw: { width: 512, height: 512, channels: 3 } })
    .webp({ quality: 78, effort: 0 })
    .toBuffer();
}

const BOUNDARY = '----kiss-mosaic-bench-7MA4YWxkTrZu0gW';

function multipart(photo: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    photo,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

function post(url: string, agent: Agent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/tiles`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const fmt = (p: Phase) => `${perSec(p).toFixed(1)} photos/s, ${cpuMs(p).toFixed(1)} ms CPU/photo`;

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
  const mp = SIZES.reduce((s, [w, h]) => s + (w * h) / 1e6, 0) / SIZES.length;
  const N = Number(process.env.BENCH_INGEST_N ?? 96);
  const work = Array.from({ length: N }, (_, i) => photos[i % photos.length]!);
  const bodies = new Map(photos.map((p) => [p, multipart(p)]));
  const load0 = loadavg()[0]!;

  const dataDir = tempDataDir();
  const config = readConfig({
    DATA_DIR: dataDir,
    MOSAIC_COLS: '64',
    MOSAIC_ROWS: '64',
    UPLOAD_RATE_LIMIT: '0',
    // The 96 uploads reuse 8 photos, so the duplicate check would refuse most of them. The
    // pHash is computed and stored all the same; only the index lookup is left out.
    DUPLICATE_CHECK: '0',
  });
  const app = await createApp({ config });
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let failures = 0;
  const send = async (p: Buffer) => {
    if ((await post(url, agent, bodies.get(p)!)) !== 201) failures++;
  };
  // Warm-up: each photo twice, so that the JIT has compiled the upload path before timing
  // (a running server is warm; the first few uploads cost up to twice as much CPU).
  for (const p of [...photos, ...photos]) await send(p);
  failures = 0;

  // The phases take turns, a quarter of the photos at a time, so that a change in the
  // machine's load weighs on all of them alike.
  const ROUNDS = 4;
  const naiveN = Math.min(N, 32);
  const ours = phase();
  const ref = phase();
  const lean = phase();
  const floor = phase();
  const required = phase();
  let rssPeak = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const part = <T>(xs: T[]) => xs.slice((r * xs.length) / ROUNDS, ((r + 1) * xs.length) / ROUNDS);
    await pool(ours, part(work), CONCURRENCY, send);
    // The process's high-water mark before any reference phase has run: later rounds would
    // also count what the naive phases' full-size buffers leave in the allocator.
    if (r === 0) rssPeak = process.resourceUsage().maxRSS * 1024;
    await pool(ref, part(work.slice(0, naiveN)), CONCURRENCY, (b) => naive(b, 'crop'));
    await pool(lean, part(work.slice(0, naiveN)), CONCURRENCY, (b) => naive(b, 'tile'));
    await pool(floor, part(work), CONCURRENCY, decodeFloor);
    await pool(required, part(work), CONCURRENCY, requiredFloor);
  }
  agent.destroy();
  await app.close();
  removeDir(dataDir);

  console.log(
    `photos: ${N} JPEGs, 2-12 MP (mean ${mp.toFixed(1)} MP), ${CONCURRENCY} concurrent, sharp concurrency ${sharp.concurrency()}, ` +
      `load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    `ingest over HTTP (validate, orient, attention crop, 32/128/512 WebP, features, pHash, fsync, SQLite; duplicate lookup off): ` +
      `${fmt(ours)}${failures ? ` (${failures} failed!)` : ''}`,
  );
  console.log(
    `naive sharp pipeline (rotate + full-size attention crop to raw, 512/128 WebP, stats of the crop; in-process, no HTTP): ${fmt(ref)}`,
  );
  console.log(`  the same with stats of the 128 px tile instead (leaner): ${fmt(lean)}`);
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `ratio ours / naive: ${(perSec(ours) / perSec(ref)).toFixed(2)}x (CPU per photo: ${(cpuMs(ref) / cpuMs(ours)).toFixed(2)}x less); ` +
      `ours / lean naive: ${(perSec(ours) / perSec(lean)).toFixed(2)}x (CPU ${(cpuMs(lean) / cpuMs(ours)).toFixed(2)}x less)`,
  );
  console.log(
    `target >= 3x naive: ${met(perSec(ours) >= 3 * perSec(ref))} (vs the lean one: ${met(perSec(ours) >= 3 * perSec(lean))}); ` +
      `>= 60 photos/s: ${met(perSec(ours) >= 60)}`,
  );
  console.log(
    `decode floor (shrink-on-load to 512, raw): ${fmt(floor)}; ours reaches ${((perSec(ours) / perSec(floor)) * 100).toFixed(0)}% of it (CPU: floor / ours ${((cpuMs(floor) / cpuMs(ours)) * 100).toFixed(0)}%)`,
  );
  const cores = availableParallelism();
  console.log(
    `decode floor + the 512 px WebP alone (no HTTP, no store, no other size): ${fmt(required)}; ` +
      `60 photos/s on ${cores} cores allows ${((cores * 1000) / 60).toFixed(1)} ms CPU per photo`,
  );
  console.log(
    `peak RSS of the bench process (server + client, photos and bodies held) over the first ${N / ROUNDS} uploads, ` +
      `before any reference phase: ${(rssPeak / 2 ** 20).toFixed(0)} MB`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
