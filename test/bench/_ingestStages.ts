/**
 * Where ingest's CPU goes, stage by stage, at the bench's concurrency (4) on the bench's
 * photos: each line runs the pipeline up to and including that stage, so the step from
 * one line to the next is that stage's cost. The steps copy server/ingest/pipeline.ts's
 * calls; the last in-process line is the real ingestPhoto, to show any drift. Then the
 * HTTP + store + engine cost with ingest stubbed out (same prebuilt-body client as the
 * bench). Phases take turns in rounds, as in ingest.ts. Not part of `npm run bench`
 * (leading _): `npx tsx test/bench/_ingestStages.ts`.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { attentionCrop } from '../../server/ingest/attention.ts';
import { readJpegHeader } from '../../server/ingest/jpegHeader.ts';
import { phashOf } from '../../server/ingest/phash.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { quarter } from '../../server/ingest/shrink.ts';
import { attentionThumb } from '../../server/ingest/thumb.ts';
import { boxAverage, featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { phoneJpeg } from '../support/images.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const SIZES: [number, number][] = [
  [1632, 1224],
  [2592, 1944],
  [3264, 2448],
  [4032, 3024],
];
const C = 4;
const N = Number(process.env.N ?? 96);
const ROUNDS = 3;

const sources = ['astronaut-orient6-gps.jpg', 'rocket-3mp.jpg', 'hubble-small.jpg'].map((f) =>
  readFileSync(join(import.meta.dirname, '../fixtures', f)),
);
const photos: Buffer[] = [];
for (let i = 0; i < 8; i++) {
  const [w, h] = SIZES[i % 4]!;
  photos.push(await phoneJpeg(sources[i % 3]!, w, h, i + 1));
}
const work = Array.from({ length: N }, (_, i) => photos[i % 8]!);

const webp = (px: Buffer, s: number) =>
  sharp(px, { raw: { width: s, height: s, channels: 3 } })
    .webp(s >= 512 ? { quality: 78, effort: 0 } : { quality: 85, effort: 2 })
    .toBuffer();

/** The pipeline's steps up to `stage`. */
async function upTo(b: Buffer, stage: number): Promise<void> {
  if (stage === 0) {
    await sharp(b).resize(512, 512, { fit: 'cover' }).raw().toBuffer();
    return;
  }
  readJpegHeader(b) ?? (await sharp(b).metadata());
  const { data, info } = await sharp(b, { failOn: 'truncated', limitInputPixels: 50e6 })
    .rotate()
    .resize(512, 512, { fit: 'outside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (stage === 1) return;
  const thumb = attentionThumb(data, info.width, info.height);
  const { left, top } = attentionCrop(thumb, info.width, info.height, 512, 512);
  const m = Buffer.allocUnsafe(512 * 512 * 3);
  for (let y = 0; y < 512; y++) {
    const from = ((top + y) * info.width + left) * 3;
    data.copy(m, y * 1536, from, from + 1536);
  }
  if (stage === 2) return;
  const m128 = quarter(m, 512);
  quarter(m128, 128); // the raw 32 px pixels ingest stores
  if (stage === 3) return;
  if (stage === 4) {
    await webp(m, 512);
    return;
  }
  await Promise.all([webp(m128, 128), webp(m, 512)]);
  if (stage === 5) return;
  featuresFromSubgrid(boxAverage(m128, 128, 128, 3, 3, 3), 3);
  if (stage === 6) return;
  phashOf(m128);
}

const stages = [
  'decode floor (cover 512, raw)',
  'frame header + decode upright, shorter side 512',
  '+ 32x32 thumbnail, attention, crop',
  '+ 128 and 32 px box shrinks',
  '+ 512 px WebP',
  '+ 128 px WebP (the 32 px size is kept raw)',
  '+ features',
  '+ pHash (done by safety before store)',
];

interface Acc {
  n: number;
  secs: number;
  cpuUs: number;
}
async function pool<T>(acc: Acc, items: T[], fn: (t: T) => Promise<unknown>) {
  let next = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
  const c = process.cpuUsage(c0);
  acc.n += items.length;
  acc.secs += (performance.now() - t0) / 1000;
  acc.cpuUs += c.user + c.system;
}

// HTTP + store + engine with ingest stubbed out.
const pre = await Promise.all(photos.map((p) => ingestPhoto(p)));
const dataDir = tempDataDir();
const config = readConfig({
  DATA_DIR: dataDir,
  MOSAIC_COLS: '64',
  MOSAIC_ROWS: '64',
  UPLOAD_RATE_LIMIT: '0',
  DUPLICATE_CHECK: '0',
});
let k = 0;
const app = await createApp({ config, pipeline: async () => pre[k++ % pre.length]! });
const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
const agent = new Agent({ keepAlive: true, maxSockets: C });
const B = '----kiss-mosaic-stages';
const bodies = new Map(
  photos.map((p) => [
    p,
    Buffer.concat([
      Buffer.from(
        `--${B}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      p,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]),
  ]),
);
const post = (p: Buffer) =>
  new Promise<void>((resolve, reject) => {
    const body = bodies.get(p)!;
    const req = request(
      `${url}/api/tiles`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': `multipart/form-data; boundary=${B}`, 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const accs = [
  ...stages,
  'ingestPhoto (the real one) + pHash',
  'HTTP + store + engine, ingest stubbed (pHash on)',
].map(() => ({ n: 0, secs: 0, cpuUs: 0 }));
for (let s = 0; s < stages.length; s++)
  await pool({ n: 0, secs: 0, cpuUs: 0 }, work.slice(0, 8), (b) => upTo(b, s));
for (let r = 0; r < ROUNDS; r++) {
  const part = work.slice((r * N) / ROUNDS, ((r + 1) * N) / ROUNDS);
  for (let s = 0; s < stages.length; s++) await pool(accs[s]!, part, (b) => upTo(b, s));
  await pool(accs[stages.length]!, part, (b) => ingestPhoto(b).then((p) => phashOf(p.small)));
  await pool(accs[stages.length + 1]!, part, post);
}
agent.destroy();
await app.close();
removeDir(dataDir);

console.log(
  `${N} photos, ${C} concurrent, load average ${loadavg()[0]!.toFixed(1)}; CPU = whole process, all threads`,
);
const names = [
  ...stages,
  'ingestPhoto (the real one) + pHash',
  'HTTP + store + engine, ingest stubbed (pHash on)',
];
let prev = 0;
accs.forEach((a, i) => {
  const cpu = a.cpuUs / 1000 / a.n;
  const staged = i >= 1 && i < stages.length;
  const step = staged ? `  (step ${cpu - prev >= 0 ? '+' : ''}${(cpu - prev).toFixed(1)})` : '';
  if (i < stages.length) prev = cpu;
  console.log(
    `${names[i]!.padEnd(50)} ${(a.n / a.secs).toFixed(1).padStart(6)} /s ${cpu.toFixed(1).padStart(6)} ms CPU/photo${step}`,
  );
});
