/**
 * Part 1b of test/bench/cluster.ts: the placer alone, loaded as 15+ ingesting nodes would load
 * it. One placer node (a child process) on a database of its own; the bench stands for the
 * ingesting nodes: it stores tiles and their `place` requests as an upload does
 * (PgTileImages.storeUpload, one statement) over several connections, wakes the placer and
 * waits for the answers as a node does (RequestQueue). Nothing goes through HTTP or ingest.
 *
 * - burst: BENCH_PLACER_N requests (default 5000) stored while the bench holds the mosaic's
 *   row (so the placer's next batch waits), then let go: the clock runs from the release to
 *   the last answer;
 * - steady: BENCH_PLACER_RATE requests a second (default 600) for BENCH_PLACER_SECONDS
 *   (default 8), each timed from its insert to its answer.
 *
 * Reference, in the same run: the single process's own placement path for the same N tiles,
 * MosaicService.add in this process (tile files, engine, SQLite commit; no HTTP, no ingest).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPool } from '../../server/cluster/pgData.ts';
import { RequestQueue } from '../../server/cluster/RequestQueue.ts';
import { redisClient } from '../../server/cluster/startCluster.ts';
import { PgTileImages } from '../../server/cluster/TileImages.ts';
import { readConfig } from '../../server/config.ts';
import { MosaicService } from '../../server/core/MosaicService.ts';
import { Target } from '../../server/ingest/target.ts';
import { SqliteStore } from '../../server/store/SqliteStore.ts';
import { BenchPhotos } from './_benchPhotos.ts';
import {
  cpuMs,
  health,
  now,
  type Proc,
  pct,
  sleep,
  spawnServer,
  until,
  withClusterEnv,
} from './_clusterSupport.ts';

const N = Number(process.env.BENCH_PLACER_N ?? 5000);
const RATE = Number(process.env.BENCH_PLACER_RATE ?? 600);
const STEADY_S = Number(process.env.BENCH_PLACER_SECONDS ?? 8);
/** Connections the bench stores uploads over, as that many ingesting nodes would. */
const WRITERS = 16;
const TARGET = 500;
const GRID = 250;

interface Figures {
  rate: number;
  cpuPerPlacement: number;
  p50?: number;
  p99?: number;
  failed: number;
}

/** The ingesting nodes' side: stores uploads and waits for the placer's answers. */
class Ingesters {
  readonly pool: pg.Pool;
  private readonly images: PgTileImages;
  private readonly pub;
  private readonly sub;
  readonly queue: RequestQueue;

  constructor(
    env: Record<string, string>,
    private readonly photos: BenchPhotos,
  ) {
    this.pool = createPool(env.DATABASE_URL!, WRITERS);
    this.images = new PgTileImages(this.pool);
    this.pub = redisClient(env.REDIS_URL!);
    this.sub = redisClient(env.REDIS_URL!, true);
    const wake = `${env.REDIS_PREFIX}wake`;
    this.queue = new RequestQueue(
      this.pool,
      () => void this.pub.publish(wake, 'bench').catch(() => {}),
      120_000,
    );
    this.sub.on('message', () => this.queue.notice());
    void this.sub.subscribe(`${env.REDIS_PREFIX}done`).catch(() => {});
  }

  /** Stores one upload; resolves with its request's id. */
  async store(): Promise<number> {
    const p = this.photos.next();
    const [r, g, b] = p.rgb;
    const row = {
      event: null,
      createdAt: Date.now(),
      deleteHash: 'bench',
      features: p.features,
      rgb: (r << 16) | (g << 8) | b,
      phash: null,
    };
    return (await this.images.storeUpload(row, p.files)).request;
  }

  async close(): Promise<void> {
    this.queue.close();
    this.sub.disconnect();
    this.pub.disconnect();
    await this.pool.end();
  }
}

/** Runs `fn` over `items` with at most `width` at once. */
async function each<T>(items: readonly T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** N requests stored behind the mosaic's row lock, then let go at once. */
async function burst(placer: Proc, env: Record<string, string>, ing: Ingesters): Promise<Figures> {
  // The gate has no idle-in-transaction limit: it stays open while the backlog is stored.
  const gate = new pg.Client({ connectionString: env.DATABASE_URL });
  await gate.connect();
  try {
    await gate.query('BEGIN');
    await gate.query('SELECT term FROM mosaic WHERE id = 1 FOR UPDATE');
    const answers: Promise<boolean>[] = [];
    await each(Array.from({ length: N }), WRITERS, async () => {
      const id = await ing.store();
      answers.push(ing.queue.await(id, false).then((o) => o.ok));
    });
    const cpu0 = cpuMs(placer.pid);
    const t0 = now();
    await gate.query('COMMIT');
    const ok = await Promise.all(answers);
    const s = (now() - t0) / 1000;
    return {
      rate: N / s,
      cpuPerPlacement: (cpuMs(placer.pid) - cpu0) / N,
      failed: ok.filter((x) => !x).length,
    };
  } finally {
    await gate.end();
  }
}

/** RATE requests a second for STEADY_S seconds, each timed from its insert to its answer. */
async function steady(placer: Proc, ing: Ingesters): Promise<Figures> {
  const total = Math.round(RATE * STEADY_S);
  const lat: number[] = [];
  let failed = 0;
  let last = 0;
  const pending: Promise<void>[] = [];
  const cpu0 = cpuMs(placer.pid);
  const t0 = now();
  for (let launched = 0; launched < total; ) {
    const due = Math.min(total, Math.floor(((now() - t0) / 1000) * RATE) + 1);
    for (; launched < due; launched++) {
      const sent = now();
      pending.push(
        ing
          .store()
          .then((id) => ing.queue.await(id, false))
          .then((o) => {
            last = now();
            if (o.ok) lat.push(last - sent);
            else failed++;
          }),
      );
    }
    await sleep(4);
  }
  await Promise.all(pending);
  lat.sort((a, b) => a - b);
  return {
    rate: lat.length / ((last - t0) / 1000),
    cpuPerPlacement: (cpuMs(placer.pid) - cpu0) / Math.max(1, lat.length),
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    failed,
  };
}

async function cluster(photos: BenchPhotos): Promise<{ burst: Figures; steady: Figures }> {
  return withClusterEnv(async (env) => {
    const grid = { MOSAIC_COLS: String(GRID), MOSAIC_ROWS: String(GRID), ...env };
    const placer = await spawnServer('placer', 'test/bench/_clusterNode.ts', grid);
    const ing = new Ingesters(env, photos);
    try {
      await until(async () => (await health(placer.url)).role === 'placer', 30_000);
      const b = await burst(placer, env, ing);
      const s = await steady(placer, ing);
      return { burst: b, steady: s };
    } finally {
      await ing.close();
      await placer.stop();
    }
  });
}

/** The single process's placement path: MosaicService.add for N tiles, 64 at once. */
async function single(photos: BenchPhotos): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'kiss-bench-placer-'));
  const store = new SqliteStore(dir);
  try {
    const config = readConfig();
    const target = await Target.open(config.targetPath, join(dir, 'cache'));
    const svc = await MosaicService.open({
      store,
      target,
      cols: GRID,
      rows: GRID,
      tint: config.MOSAIC_TINT,
      seed: config.MOSAIC_SEED,
      moderation: 'post',
    });
    const cpu0 = process.cpuUsage();
    const t0 = now();
    await each(Array.from({ length: N }), 64, async () => {
      await svc.add(photos.next(), { event: null, phash: null });
    });
    const s = (now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await svc.close();
    return { rate: N / s, cpuPerPlacement: (cpu.user + cpu.system) / 1000 / N, failed: 0 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function placerCapacity(): Promise<void> {
  console.log(
    `placer: the placer node alone, ${N} place requests stored straight into PostgreSQL with the upload's ` +
      `statement (PgTileImages.storeUpload) over ${WRITERS} connections (as ${WRITERS} ingesting nodes), ${GRID}x${GRID} grid`,
  );
  const photos = await BenchPhotos.make(16);
  const cl = await cluster(photos);
  const ref = await single(photos);
  const fig = (f: Figures) =>
    `${f.rate.toFixed(0)} placements/s, placer CPU ${f.cpuPerPlacement.toFixed(2)} ms/placement` +
    (f.p50 === undefined
      ? ''
      : `, insert -> answer p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99!.toFixed(1)} ms`) +
    (f.failed ? `, ${f.failed} refused` : '');
  console.log(`  cluster placer, burst (backlog of ${N}, release -> last answer): ${fig(cl.burst)}`);
  console.log(`  cluster placer, steady (${RATE}/s offered for ${STEADY_S} s): ${fig(cl.steady)}`);
  console.log(
    `  reference: single process, MosaicService.add x ${N} in-process (files + engine + SQLite commit, no HTTP): ` +
      `${ref.rate.toFixed(0)} placements/s, process CPU ${ref.cpuPerPlacement.toFixed(2)} ms/placement`,
  );
  console.log(
    `  placer/single: burst ${(cl.burst.rate / ref.rate).toFixed(2)}x placements/s; ` +
      `target >= ${TARGET} placements/s: ${cl.burst.rate >= TARGET ? 'met' : 'MISSED'} (burst), ` +
      `${cl.steady.rate >= Math.min(TARGET, RATE * 0.95) ? 'kept up' : 'FELL BEHIND'} at ${RATE}/s (steady)`,
  );
}
