/**
 * HEIC ingest (`npm run bench -- heic`): photos in the iPhone's default format, which libvips
 * here cannot read, go through libheif (WebAssembly) in the server's worker thread. Prints, per
 * photo and 4 at a time as uploads arrive, the wall time and CPU of `ingestPhoto` on a HEIC
 * beside the same pixels as a JPEG (the cheapest format ingest reads), and the event loop's
 * worst delay meanwhile (what every viewer's socket on that server waits) beside libheif run
 * on the event loop itself. Then HEIC photos a second with two workers beside one.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { defaultHeicWorkers, setHeicWorkers } from '../../server/ingest/heic.ts';
import { decodeHeicHere } from '../../server/ingest/heicDecode.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { halveRgba } from '../../server/ingest/shrink.ts';
import { taggedPng } from '../../server/ingest/taggedPng.ts';
import { PHOTO_LIMITS } from '../../shared/photoShape.ts';

const HEIC = readFileSync(join(import.meta.dirname, '../fixtures/rocket-gps.heic'));
const PHOTOS = Number(process.env.BENCH_HEIC_PHOTOS ?? 32);
const AT_ONCE = 4;

interface Figures {
  wallMs: number;
  cpuMs: number;
  loopP99: number;
  loopMax: number;
}

/** How late a 5 ms timer fires, tick after tick: what any other callback on the event loop waits. */
function lagMeter(): () => { p99: number; max: number } {
  const lags: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(Math.max(0, now - last - 5));
    last = now;
  }, 5);
  return () => {
    clearInterval(timer);
    lags.push(Math.max(0, performance.now() - last - 5));
    lags.sort((a, b) => a - b);
    return { p99: lags[Math.floor((lags.length - 1) * 0.99)]!, max: lags[lags.length - 1]! };
  };
}

async function measure(work: () => Promise<unknown>): Promise<Figures> {
  for (let i = 0; i < 2; i++) await work(); // the worker and libheif started, sharp warm
  const stop = lagMeter();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next++ < PHOTOS) await work();
    }),
  );
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const lag = stop();
  return {
    wallMs: wall / PHOTOS,
    cpuMs: (c.user + c.system) / 1000 / PHOTOS,
    loopP99: lag.p99,
    loopMax: lag.max,
  };
}

export async function run(): Promise<void> {
  const decoded = await decodeHeicHere({ buf: HEIC, maxPixels: PHOTO_LIMITS.maxPixels, side: 512 });
  if (!decoded.ok) throw new Error('the fixture did not decode');
  const { width, height } = decoded;
  const jpeg = await sharp(decoded.data, { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .jpeg({ quality: 92 })
    .toBuffer();
  // One worker (the default on 2 cores), then two: photos decoded side by side.
  setHeicWorkers(1);
  const heic = await measure(() => ingestPhoto(HEIC));
  setHeicWorkers(2);
  const heic2 = await measure(() => ingestPhoto(HEIC));
  setHeicWorkers(defaultHeicWorkers());
  const same = await measure(() => ingestPhoto(jpeg));
  const onLoop = await measure(() =>
    decodeHeicHere({ buf: HEIC, maxPixels: PHOTO_LIMITS.maxPixels, side: 512 }),
  );
  const f = (x: number) => x.toFixed(1);
  console.log(
    `\n## HEIC ingest (${width}x${height}, ${(HEIC.length / 1024).toFixed(0)} KB; ${PHOTOS} photos, ${AT_ONCE} at a time)`,
  );
  console.log(
    `HEIC: ${f(heic.wallMs)} ms a photo, ${f(heic.cpuMs)} ms of CPU; the same pixels as JPEG q92: ${f(same.wallMs)} ms, ${f(same.cpuMs)} ms of CPU; ratio ${f(heic.cpuMs / same.cpuMs)}x the CPU`,
  );
  console.log(
    `event loop delay while they ran: HEIC p99 ${f(heic.loopP99)} ms, max ${f(heic.loopMax)} ms; JPEG p99 ${f(same.loopP99)} ms, max ${f(same.loopMax)} ms`,
  );
  console.log(
    `libheif on the event loop instead (the decode alone): ${f(onLoop.wallMs)} ms a photo, loop delay p99 ${f(onLoop.loopP99)} ms, max ${f(onLoop.loopMax)} ms: the worker's max is ${(heic.loopMax / onLoop.loopMax).toFixed(2)}x that`,
  );
  console.log(`decode alone: ${f(onLoop.wallMs / ((width * height) / 1e6))} ms per megapixel`);
  console.log(
    `HEIC_WORKERS=2 (${availableParallelism()} cores here): ${f(1000 / heic2.wallMs)} photos/s against ${f(1000 / heic.wallMs)} with 1 worker, ${(heic.wallMs / heic2.wallMs).toFixed(2)}x; ${f(heic2.cpuMs)} ms of CPU a photo; event loop delay p99 ${f(heic2.loopP99)} ms, max ${f(heic2.loopMax)} ms`,
  );
  await profileCost();
}

/**
 * A 12 MP photo's pixels on their way to the 512 px master, as the worker hands them on: halved
 * by boxes while four times the master remains (12 MP to 3 MP), and with a colour profile (an
 * iPhone's Display P3) as a PNG tagged with it, which libvips converts to sRGB as it reads.
 * Beside the whole 12 MP of raw pixels resized as they are (no colour conversion).
 */
async function profileCost(): Promise<void> {
  const [w, h] = [4032, 3024];
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 7919) >>> 3;
  const icc = (await sharp(join(import.meta.dirname, '../fixtures/colours-p3.jpg')).metadata()).icc!;
  const master = (img: Sharp) => img.resize(512, 512, { fit: 'outside' }).removeAlpha().raw().toBuffer();
  const times = { worker: [] as number[], read: [] as number[], raw: [] as number[] };
  for (let round = 0; round < 5; round++) {
    let t = performance.now();
    const half = halveRgba(rgba, w, h);
    const png = taggedPng(half.data, half.width, half.height, icc);
    times.worker.push(performance.now() - t);
    t = performance.now();
    await master(sharp(png));
    times.read.push(performance.now() - t);
    t = performance.now();
    await master(sharp(rgba, { raw: { width: w, height: h, channels: 4 } }));
    times.raw.push(performance.now() - t);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [worker, read, raw] = [median(times.worker), median(times.read), median(times.raw)];
  console.log(
    `12 MP with a colour profile: halved and tagged in ${worker.toFixed(0)} ms (in the worker), read, converted and resized in ${read.toFixed(0)} ms off the event loop; the 12 MP raw pixels resized as they are ${raw.toFixed(0)} ms: ${(read / raw).toFixed(2)}x for the reading, medians of 5`,
  );
}
