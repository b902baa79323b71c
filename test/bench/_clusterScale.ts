/**
 * Parts 4 and 5 of test/bench/cluster.ts: RSS and start-up per role at 1,000,000 tiles, and
 * the soak (BENCH_SOAK=1): viewers over two nodes for BENCH_SOAK_SECONDS (default 600) at
 * 20 placements/s, every viewer checking that its seqs follow on, RSS per node sampled.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { migrate } from '../../server/cluster/schema.ts';
import { featuresFromSubgrid } from '../../shared/mosaic/features.ts';
import { FEATURE_LEN, SUBGRID } from '../../shared/mosaic/types.ts';
import {
  cpuMs,
  health,
  now,
  type Proc,
  rssMb,
  sleep,
  spawnServer,
  type Upload,
  until,
  uploadAtRate,
  Viewers,
  withClusterEnv,
} from './_clusterSupport.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TILES = 1_000_000;
const SIDE = 1000;
const IDLE_MS = 5000;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

/**
 * Seeds the cluster schema with TILES live tiles on a SIDE x SIDE grid straight in SQL:
 * features from 256 real-looking vectors (Lab of random 3x3 colour blocks), the mosaic row
 * at seq TILES, an empty change log.
 */
async function seed(url: string): Promise<number> {
  const t0 = now();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
    let s = 12345;
    const rnd = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s >>> 24;
    };
    const ks: number[] = [];
    const fs: Buffer[] = [];
    const rgbs: number[] = [];
    for (let k = 0; k < 256; k++) {
      const base = [rnd(), rnd(), rnd()];
      const px = new Uint8Array(SUBGRID * SUBGRID * 3).map((_, i) =>
        Math.max(0, Math.min(255, base[i % 3]! + (rnd() % 40) - 20)),
      );
      const f = featuresFromSubgrid(px, 3);
      ks.push(k);
      fs.push(Buffer.from(f.buffer, f.byteOffset, FEATURE_LEN * 4));
      rgbs.push((base[0]! << 16) | (base[1]! << 8) | base[2]!);
    }
    await pool.query('CREATE TABLE bench_features (k int PRIMARY KEY, f bytea NOT NULL, rgb int NOT NULL)');
    await pool.query('INSERT INTO bench_features SELECT * FROM unnest($1::int[], $2::bytea[], $3::int[])', [
      ks,
      fs,
      rgbs,
    ]);
    await pool.query(
      `INSERT INTO tiles (id, status, cell_col, cell_row, tint_r, tint_g, tint_b, event, created_at, delete_hash, features, rgb)
       SELECT i, 'live', (i - 1) % ${SIDE}, (i - 1) / ${SIDE}, (i % 41) - 20, (i % 37) - 18, (i % 31) - 15,
              NULL, 1760000000000 + i, 'bench', f.f, f.rgb
       FROM generate_series(1, ${TILES}) AS i JOIN bench_features f ON f.k = i % 256`,
    );
    await pool.query('DROP TABLE bench_features');
    await pool.query(
      `INSERT INTO mosaic (id, cols, rows, seq, epoch) VALUES (1, ${SIDE}, ${SIDE}, ${TILES}, 424242)`,
    );
    await pool.query(`SELECT setval('tile_ids', ${TILES})`);
    await pool.query('ANALYZE tiles');
  } finally {
    await pool.end();
  }
  return (now() - t0) / 1000;
}

interface RoleFigures {
  startS: number;
  /** CPU the process had used by then: steadier than the wall clock on a busy machine. */
  cpuS: number;
  rssStart: number;
  rssIdle: number;
}

async function idleRss(p: Proc, startedAt: number): Promise<RoleFigures> {
  const rssStart = rssMb(p.pid);
  const cpuS = cpuMs(p.pid) / 1000;
  await sleep(IDLE_MS);
  return { startS: (startedAt - p.spawnedAt) / 1000, cpuS, rssStart, rssIdle: rssMb(p.pid) };
}

const fig = (f: RoleFigures) =>
  `start ${f.startS.toFixed(1)} s (CPU ${f.cpuS.toFixed(1)} s), RSS ${f.rssStart.toFixed(0)} MB after start, ${f.rssIdle.toFixed(0)} MB after ${IDLE_MS / 1000} s idle`;

/** The single process's start-up three ways, and its clean stop. */
interface SingleFigures {
  /** The first start reads every SQLite row (no start-up image yet), then writes the image. */
  rows: RoleFigures;
  /** After a kill -9: the image, brought up to date by what changed since (here nothing). */
  crash: RoleFigures;
  /** A clean stop, which writes the start-up image. */
  stopS: number;
  /** After the clean stop: the image. */
  image: RoleFigures;
}

/**
 * The single process on the seeded SQLite mosaic (a copy of its database, its tile files
 * linked): started from the rows, killed, started from its image, stopped cleanly, started again.
 */
async function singleAtMillion(): Promise<SingleFigures | null> {
  const src = resolve(
    process.env.BENCH_SINGLE_1M_DATA ??
      process.env.BENCH_VIEWER_DATA ??
      join(ROOT, '.bench-data', `viewer-${TILES}`),
  );
  if (!existsSync(join(src, 'mosaic.db'))) {
    console.log(
      `  reference: skipped, no seeded mosaic at ${src} (set BENCH_SINGLE_1M_DATA to a folder made by npm run seed)`,
    );
    return null;
  }
  // SQLite in WAL mode writes beside its database: work on a copy, never in the seeded folder.
  const dir = mkdtempSync(join(tmpdir(), 'kiss-bench-1m-'));
  let p: Proc | null = null;
  const start = async (name: string) => {
    p = await spawnServer(name, 'server/index.ts', { DATA_DIR: dir }, 120_000);
    return idleRss(p, p.listenedAt);
  };
  try {
    copyFileSync(join(src, 'mosaic.db'), join(dir, 'mosaic.db'));
    if (existsSync(join(src, 'tiles'))) symlinkSync(join(src, 'tiles'), join(dir, 'tiles'));
    const rows = await start('single-1m-rows');
    await until(async () => p!.output().includes('start-up image written'), 120_000, 200);
    process.kill(p!.pid, 'SIGKILL');
    await p!.stop();
    const crash = await start('single-1m-after-kill');
    const t0 = now();
    await p!.stop(120_000);
    const stopS = (now() - t0) / 1000;
    const image = await start('single-1m-after-stop');
    return { rows, crash, stopS, image };
  } finally {
    await (p as Proc | null)?.stop(120_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function rssAtMillion(): Promise<void> {
  console.log(`rss at 1M: ${TILES} live tiles on a ${SIDE}x${SIDE} grid, server/index.ts (real entry point)`);
  const [placer, follower] = await withClusterEnv(async (env) => {
    console.log(`  seeded PostgreSQL in ${(await seed(env.DATABASE_URL!)).toFixed(0)} s`);
    const grid = { MOSAIC_COLS: String(SIDE), MOSAIC_ROWS: String(SIDE), ...env };
    const nodes: Proc[] = [];
    try {
      const a = await spawnServer('placer-1m', 'server/index.ts', grid, 180_000);
      nodes.push(a);
      await until(async () => (await health(a.url)).role === 'placer', 180_000, 100).catch((e) => {
        throw new Error(`${e.message} waiting for the placer role; it printed:\n${a.output().slice(-3000)}`);
      });
      const placer = await idleRss(a, now());
      const b = await spawnServer('follower-1m', 'server/index.ts', grid, 180_000);
      nodes.push(b);
      const follower = await idleRss(b, b.listenedAt);
      if ((await health(b.url)).role !== 'follower') console.log('  (the second node is not a follower)');
      return [{ ...placer, listenS: (a.listenedAt - a.spawnedAt) / 1000 }, follower];
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
  console.log(
    `  cluster follower: ${fig(follower)}; target <= 400 MB and <= 5 s: ` +
      verdict(Math.max(follower.rssStart, follower.rssIdle) <= 400 && follower.startS <= 5),
  );
  console.log(
    `  cluster placer:   ${fig(placer)} (start = spawn -> role placer in /api/health; listening after ${placer.listenS.toFixed(1)} s); ` +
      `target <= 1 GB: ${verdict(Math.max(placer.rssStart, placer.rssIdle) <= 1024)}`,
  );
  const all = await singleAtMillion();
  if (!all) return;
  const single = all.image;
  const met = (f: RoleFigures) => verdict(Math.max(f.rssStart, f.rssIdle) <= 1024 && f.startS <= 8);
  console.log(
    `  reference: single process from its rows (its first start, no start-up image yet): ${fig(all.rows)}; ` +
      `target <= 1 GB and <= 8 s: ${met(all.rows)}`,
  );
  console.log(
    `  single process after kill -9 (start-up image + what changed since): ${fig(all.crash)}; ` +
      `target: ${met(all.crash)}; start ${(all.crash.startS / all.rows.startS).toFixed(2)}x of from the rows`,
  );
  console.log(`  single process: clean stop (writes the start-up image) in ${all.stopS.toFixed(1)} s`);
  console.log(
    `  single process after the clean stop (start-up image): ${fig(single)}; ` +
      `target: ${met(single)}; start ${(single.startS / all.rows.startS).toFixed(2)}x of from the rows`,
  );
  console.log(
    `  cluster/single: follower RSS ${(follower.rssIdle / single.rssIdle).toFixed(2)}x, start ${(follower.startS / single.startS).toFixed(2)}x; ` +
      `placer RSS ${(placer.rssIdle / single.rssIdle).toFixed(2)}x, start ${(placer.startS / single.startS).toFixed(2)}x`,
  );
}

export async function soak(): Promise<void> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
  const viewersN = Number(process.env.FANOUT_VIEWERS ?? 1000);
  const rate = 20;
  const every = seconds >= 300 ? 60 : Math.max(5, Math.round(seconds / 10));
  console.log(
    `soak: ${viewersN} light viewers over 2 nodes, ${rate} placements/s for ${seconds} s, RSS sampled every ${every} s ` +
      `(the first sample is the warm-up); cluster only: it checks the cluster's log, which a single process lacks`,
  );
  await withClusterEnv(async (env) => {
    const nodes: Proc[] = [];
    const viewers = new Viewers();
    try {
      const grid = { MOSAIC_COLS: '250', MOSAIC_ROWS: '250', ...env };
      nodes.push(await spawnServer('soak-0', 'test/bench/_clusterNode.ts', grid));
      await until(async () => (await health(nodes[0]!.url)).role === 'placer', 30_000);
      nodes.push(await spawnServer('soak-1', 'test/bench/_clusterNode.ts', grid));
      const urls = nodes.map((p) => p.url);
      await viewers.connect(urls, viewersN, 0, 0);
      const ups: Upload[] = [];
      const samples: number[][] = [];
      let skipped = 0;
      for (let t = 0; t < seconds; t += every) {
        skipped += (await uploadAtRate(urls, rate, Math.min(every, seconds - t), ups, 64)).skipped;
        samples.push(nodes.map((p) => rssMb(p.pid)));
        console.log(
          `  ${Math.min(seconds, t + every)} s: RSS ${samples
            .at(-1)!
            .map((m) => `${m.toFixed(0)} MB`)
            .join(' / ')}, ` + `${ups.filter((u) => u.status === 201).length} placed`,
        );
      }
      await sleep(1500);
      const placed = ups.filter((u) => u.status === 201);
      const finalSeq = Math.max(...placed.map((u) => u.seq));
      const r = await viewers.finish([], [], finalSeq);
      const flat = nodes.map((_, i) => {
        const after = samples.slice(1).map((s) => s[i]!);
        if (!after.length) return Number.NaN;
        return (Math.max(...after) - Math.min(...after)) / Math.min(...after);
      });
      const lost = r.gaps + r.behind;
      console.log(
        `  ${placed.length} placed (${ups.length - placed.length + skipped} not); viewers: ${r.gaps} seqs missed in gaps, ` +
          `${r.dups} duplicates, ${r.behind} behind the last seq ${finalSeq} at the end, ${r.closed} dropped; ` +
          `RSS spread after warm-up ${flat.map((f) => `${(f * 100).toFixed(1)}%`).join(' / ')}; ` +
          `target 0 lost: ${verdict(lost === 0 && r.dups === 0 && r.closed === 0)}, RSS flat within 10%: ` +
          verdict(flat.every((f) => f <= 0.1)),
      );
    } finally {
      await viewers.close();
      await Promise.all(nodes.map((p) => p.stop()));
    }
  });
}
