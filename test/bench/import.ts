/**
 * Bulk import throughput: `npm run import`'s own code (scripts/import/runImport.ts: read the
 * folder, sniff, multipart over fetch) against a real server's POST /api/admin/import (hash,
 * ledger, ingest, store), beside its floor measured in the same run: the two steps no import
 * that serves a 512 px tile can skip (decode with shrink-on-load, the 512 px WebP encode).
 * Two inputs: raw phone JPEGs of 2-12 MP, and the copies the contribute page sends
 * (1600 px on the long side, JPEG q0.88). Import and floor take turns, a quarter at a time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, constants as perf } from 'node:perf_hooks';
import sharp from 'sharp';
import { DEFAULT_CONCURRENCY, runImport } from '../../scripts/import/runImport.ts';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { readThreadCpu, type ThreadCpu } from '../../server/stats/threadCpu.ts';
import { phoneJpeg } from '../support/images.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const SIZES: [number, number][] = [
  [1632, 1224], // 2 MP
  [2592, 1944], // 5 MP
  [3264, 2448], // 8 MP
  [4032, 3024], // 12 MP
];
/** Photos the floor works on at a time: the libuv pool's default 4 sharp pipelines, enough for 2 cores. */
const CONCURRENCY = 4;
/** Files the CLI sends at a time: its default. */
const CLI_CONCURRENCY = Number(process.env.BENCH_IMPORT_CONCURRENCY ?? DEFAULT_CONCURRENCY);
const TOKEN = 'bench-admin-token-0123456789';
const ROUNDS = 4;

/** The same picture under other bytes: data after the JPEG's end marker, which decoders ignore. */
const variant = (jpeg: Buffer, i: number) => Buffer.concat([jpeg, Buffer.from(`bench${i}`)]);

async function floorOf(buf: Buffer): Promise<void> {
  const px = await sharp(buf).resize(512, 512, { fit: 'cover' }).raw().toBuffer();
  await sharp(px, { raw: { width: 512, height: 512, channels: 3 } })
    .webp({ quality: 78, effort: 0 })
    .toBuffer();
}

async function floorRate(items: Buffer[]): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await floorOf(items[next++]!);
    }),
  );
  return items.length / ((performance.now() - t0) / 1000);
}

/** Imports `photos` (distinct bytes) and measures both, in turns; photos/s of each. */
interface Rates {
  ours: number;
  floor: number;
  /** CPU of the whole process (CLI and server, every thread) per photo, ms. */
  oursCpuMs: number;
  floorCpuMs: number;
  /** The same CPU per photo split by thread (from /proc; null without it). */
  oursThreads: ThreadCpu | null;
  floorThreads: ThreadCpu | null;
  /** V8's full (mark-compact) collections while the import ran, per 100 photos. */
  oursFullGcs: number;
  /** How late the event loop ran while the import ran (what a viewer's socket waits), ms: the worst quarter's percentiles. */
  loopDelay: { p50: number; p99: number; max: number };
}

/** Per-thread CPU since `from`, added into `acc` (both may be null where there is no /proc). */
function addThreads(acc: ThreadCpu | null, from: ThreadCpu | null): ThreadCpu | null {
  const now = readThreadCpu();
  if (!acc || !from || !now) return null;
  acc.main += now.main - from.main;
  acc.image += now.image - from.image;
  acc.libvips += now.libvips - from.libvips;
  return acc;
}

const perPhoto = (t: ThreadCpu | null, n: number): ThreadCpu | null =>
  t && { main: t.main / n, image: t.image / n, libvips: t.libvips / n };

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

async function measure(name: string, bases: Buffer[], n: number): Promise<Rates> {
  const dataDir = tempDataDir();
  const folder = tempDataDir();
  const config = readConfig({
    DATA_DIR: dataDir,
    MOSAIC_COLS: '64',
    MOSAIC_ROWS: '64',
    ADMIN_TOKEN: TOKEN,
    // Variants of a few pictures: the pHash is computed and stored, only its lookup is off.
    DUPLICATE_CHECK: '0',
  });
  const app = await createApp({ config });
  const server = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const target = { server, token: TOKEN, event: null, hideFaces: false };
  const quiet = () => ({ update() {}, waiting() {}, stop() {} });
  const work = Array.from({ length: n }, (_, i) => variant(bases[i % bases.length]!, i));
  const write = (dir: string, xs: Buffer[], from: number) => {
    mkdirSync(dir, { recursive: true });
    for (const [i, b] of xs.entries()) writeFileSync(join(dir, `p${from + i}.jpg`), b);
  };
  // Warm-up: every picture once (other bytes than the measured ones).
  write(
    join(folder, 'warm'),
    bases.map((b, i) => variant(b, -1 - i)),
    0,
  );
  await runImport(join(folder, 'warm'), target, { concurrency: CLI_CONCURRENCY, progress: quiet });

  let oursSecs = 0;
  let floorSecs = 0;
  let oursCpu = 0;
  let floorCpu = 0;
  let imported = 0;
  // Full collections while the import runs: each photo's buffers are external memory that only
  // a full collection gives back, and how many run moves the CPU of Node's other threads.
  let importing = false;
  let fullGcs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (importing && (e as { detail?: { kind?: number } }).detail?.kind === perf.NODE_PERFORMANCE_GC_MAJOR)
        fullGcs++;
  });
  gcs.observe({ entryTypes: ['gc'] });
  // One monitor per turn: a monitor enabled again counts the time it was off as one long delay.
  const delays: ReturnType<typeof monitorEventLoopDelay>[] = [];
  let oursThreads: ThreadCpu | null = { main: 0, image: 0, libvips: 0 };
  let floorThreads: ThreadCpu | null = { main: 0, image: 0, libvips: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const part = work.slice((r * n) / ROUNDS, ((r + 1) * n) / ROUNDS);
    const dir = join(folder, `round${r}`);
    write(dir, part, (r * n) / ROUNDS);
    const t0 = performance.now();
    let c0 = process.cpuUsage();
    let th0 = readThreadCpu();
    importing = true;
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delays.push(delay);
    delay.enable();
    const res = await runImport(dir, target, { concurrency: CLI_CONCURRENCY, progress: quiet });
    // gc entries arrive after the collection: let those of the import's last moments in.
    await new Promise((r) => setTimeout(r, 0));
    importing = false;
    delay.disable();
    oursSecs += (performance.now() - t0) / 1000;
    oursCpu += cpuMs(c0);
    oursThreads = addThreads(oursThreads, th0);
    imported += res.tally.imported;
    c0 = process.cpuUsage();
    th0 = readThreadCpu();
    floorSecs += part.length / (await floorRate(part));
    floorCpu += cpuMs(c0);
    floorThreads = addThreads(floorThreads, th0);
  }
  gcs.disconnect();
  await app.close();
  removeDir(dataDir);
  removeDir(folder);
  if (imported !== n) throw new Error(`${name}: ${imported} of ${n} imported`);
  return {
    ours: n / oursSecs,
    floor: n / floorSecs,
    oursCpuMs: oursCpu / n,
    floorCpuMs: floorCpu / n,
    oursThreads: perPhoto(oursThreads, n),
    floorThreads: perPhoto(floorThreads, n),
    oursFullGcs: (fullGcs * 100) / n,
    loopDelay: {
      p50: Math.max(...delays.map((d) => d.percentile(50))) / 1e6,
      p99: Math.max(...delays.map((d) => d.percentile(99))) / 1e6,
      max: Math.max(...delays.map((d) => d.max)) / 1e6,
    },
  };
}

export async function run(): Promise<void> {
  console.log('\n## Bulk import: npm run import against POST /api/admin/import');
  const sources = ['astronaut-orient6-gps.jpg', 'rocket-3mp.jpg', 'hubble-small.jpg'].map((f) =>
    readFileSync(join(import.meta.dirname, '../fixtures', f)),
  );
  const raw: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const [w, h] = SIZES[i % SIZES.length]!;
    raw.push(await phoneJpeg(sources[i % sources.length]!, w, h, i + 1));
  }
  const copies = await Promise.all(
    raw.map((b) => sharp(b).resize(1600, 1600, { fit: 'inside' }).jpeg({ quality: 88 }).toBuffer()),
  );
  const load0 = loadavg()[0]!;
  const a = await measure('raw', raw, Number(process.env.BENCH_IMPORT_RAW_N ?? 192));
  const b = await measure('1600', copies, Number(process.env.BENCH_IMPORT_COPY_N ?? 384));
  console.log(
    `import ${CLI_CONCURRENCY} files at a time, floor ${CONCURRENCY}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'unset (4)'}, sharp concurrency ${sharp.concurrency()}, load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
  );
  const line = (what: string, r: Rates, target: string) =>
    console.log(
      `${what}: import ${r.ours.toFixed(1)} photos/s, floor (decode + 512 px WebP) ${r.floor.toFixed(1)} photos/s, ratio ${(r.ours / r.floor).toFixed(2)} (${target}); CPU per photo ${r.oursCpuMs.toFixed(1)} ms, floor ${r.floorCpuMs.toFixed(1)} ms, ratio ${(r.floorCpuMs / r.oursCpuMs).toFixed(2)}`,
    );
  /** What the target leaves for the whole import, beside what it takes (CPU, both cores busy). */
  const budget = (r: Rates, ratio: number, what: string) =>
    console.log(
      `  at ${what} (${ratio.toFixed(2)} of the floor) the import may take ${(r.floorCpuMs / ratio).toFixed(1)} ms of CPU per photo; it takes ${r.oursCpuMs.toFixed(1)}, with ${r.oursFullGcs.toFixed(1)} full GCs per 100 photos`,
    );
  const threads = (r: Rates) => {
    const split = (t: ThreadCpu | null) =>
      t
        ? `main ${t.main.toFixed(1)}, libvips ${t.libvips.toFixed(1)}, Node's other threads ${(t.image - t.libvips).toFixed(1)}`
        : 'no /proc';
    console.log(
      `  CPU ms per photo by thread: import ${split(r.oursThreads)}; floor ${split(r.floorThreads)}`,
    );
    const d = r.loopDelay;
    console.log(
      `  the event loop, while the import ran, was late by p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms (the worst quarter's), at most ${d.max.toFixed(1)} ms`,
    );
  };
  line('raw phone JPEGs, 2-12 MP', a, 'target >= 0.80 of the floor');
  threads(a);
  budget(a, 0.8, 'the target');
  line('1600 px q0.88 copies', b, `target >= 60 photos/s: ${b.ours >= 60 ? 'met' : 'not met'}`);
  threads(b);
  budget(b, 60 / b.floor, '60 photos/s');
}
