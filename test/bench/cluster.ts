/**
 * Cluster benchmark: two child-process nodes on a database and Redis key prefix of their own,
 * each figure beside one single process (SQLite in a temp dir) measured in the same run:
 *
 * 1. placements/s through the placer's request path (POST /api/tiles with ingest replaced by
 *    precomputed photos, test/bench/_clusterNode.ts), with p50/p99 upload latency: what one
 *    small machine does end to end;
 * 1b. the placer alone, loaded by the bench as 15+ ingesting nodes would (_clusterPlacer.ts);
 * 2. fan-out to light raw-WebSocket viewers split over the nodes at 50 placements/s: commit ->
 *    receipt, upload sent -> receipt, server CPU per delivered frame;
 * 3. failover: kill -9 of the placer -> the first upload answered by the next placer (5 runs);
 * 4. RSS and start-up per role at 1,000,000 tiles (_clusterScale.ts; BENCH_CLUSTER_1M=0 skips);
 * 5. a soak with BENCH_SOAK=1 (_clusterScale.ts).
 *
 * BENCH_CLUSTER_ONLY (a comma list of placements, placer, fanout, failover, rss, soak) runs only
 * those parts. BENCH_CLUSTER_SECONDS (default 15) sets the length of parts 1 and 2; FANOUT_VIEWERS
 * (default 1000) the viewers of part 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { placerCapacity } from './_clusterPlacer.ts';
import { rssAtMillion, soak } from './_clusterScale.ts';
import {
  cpuMs,
  dropConnections,
  health,
  median,
  now,
  type Proc,
  pct,
  StreamWatch,
  sleep,
  spawnServer,
  type Upload,
  until,
  upload,
  uploadAtRate,
  Viewers,
  type ViewersResult,
  withClusterEnv,
} from './_clusterSupport.ts';

const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 15);
const VIEWERS = Number(process.env.FANOUT_VIEWERS ?? 1000);
const CONCURRENCY = 64;
const FANOUT_RATE = 50;
const GRID = '250';
const NODE = 'test/bench/_clusterNode.ts';
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const ms = (x: number) => x.toFixed(1);

type Env = Record<string, string>;

/** A temp data folder for one single process, removed afterwards. */
async function withSingleEnv<T>(fn: (env: Env) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'kiss-bench-single-'));
  try {
    return await fn({ DATA_DIR: dir });
  } finally {
    dropConnections();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts `n` bench nodes one after another (the first becomes placer) and stops them after `fn`. */
async function withNodes<T>(n: number, env: Env, fn: (nodes: Proc[]) => Promise<T>): Promise<T> {
  const nodes: Proc[] = [];
  try {
    for (let i = 0; i < n; i++) {
      nodes.push(await spawnServer(`bench-${i}`, NODE, { MOSAIC_COLS: GRID, MOSAIC_ROWS: GRID, ...env }));
      if (env.DATABASE_URL && i === 0)
        await until(async () => (await health(nodes[0]!.url)).role === 'placer', 30_000);
    }
    return await fn(nodes);
  } finally {
    await Promise.all(nodes.map((p) => p.stop()));
  }
}

const cpuOf = (nodes: Proc[]) => nodes.reduce((s, p) => s + cpuMs(p.pid), 0);

// 1. Placements per second -------------------------------------------------------------

interface Throughput {
  rate: number;
  p50: number;
  p99: number;
  failed: number;
  cpuPerPlacement: number;
}

/** CONCURRENCY uploads in flight over the nodes for 1 s of warm-up and SECONDS counted. */
async function saturate(nodes: Proc[]): Promise<Throughput> {
  const warmEnd = now() + 1000;
  const end = warmEnd + SECONDS * 1000;
  const lat: number[] = [];
  let failed = 0;
  let cpu0 = 0;
  const cpuMark = sleep(1000).then(() => {
    cpu0 = cpuOf(nodes);
  });
  const worker = async (w: number) => {
    const url = nodes[w % nodes.length]!.url;
    while (now() < end) {
      const u = await upload(url);
      if (u.sentAt < warmEnd || u.doneAt > end) continue;
      if (u.status === 201) lat.push(u.doneAt - u.sentAt);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  await cpuMark;
  const cpu = cpuOf(nodes) - cpu0;
  lat.sort((a, b) => a - b);
  return {
    rate: lat.length / SECONDS,
    p50: pct(lat, 0.5),
    p99: pct(lat, 0.99),
    failed,
    cpuPerPlacement: cpu / Math.max(1, lat.length),
  };
}

async function placements(): Promise<void> {
  const line = (name: string, t: Throughput) =>
    `  ${name}: ${t.rate.toFixed(0)} placements/s, upload p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms, ` +
    `${t.failed} not 201, server CPU ${t.cpuPerPlacement.toFixed(2)} ms/placement`;
  console.log(
    `placements: ${CONCURRENCY} uploads in flight for ${SECONDS} s (+1 s warm-up), bench pipeline (no sharp), ${GRID}x${GRID} grid`,
  );
  const cl = await withClusterEnv((env) => withNodes(2, env, saturate));
  console.log(line('cluster, 2 nodes (placer + follower)', cl));
  const single = await withSingleEnv((env) => withNodes(1, env, saturate));
  console.log(line('reference: single process (SQLite)  ', single));
  console.log(
    `  cluster/single: ${ratio(cl.rate, single.rate)}x placements/s, p99 ${ratio(cl.p99, single.p99)}x; ` +
      `target >= 500 placements/s: ${cl.rate >= 500 ? 'met' : 'MISSED'}`,
  );
}

// 2. Fan-out ---------------------------------------------------------------------------

interface Fanout extends ViewersResult {
  cpuUsPerFrame: number;
  cpuShare: number;
  windowFrames: number;
  connectS: number;
  skipped: number;
}

/** VIEWERS light viewers over the nodes, FANOUT_RATE uploads a second over the nodes. */
async function fanoutOn(nodes: Proc[], watch: StreamWatch | null): Promise<Fanout> {
  const viewers = new Viewers();
  try {
    const base = (await health(nodes[0]!.url)).seq + 1;
    const cap = FANOUT_RATE * (SECONDS + 2) * 8;
    const urls = nodes.map((p) => p.url);
    const { connectS } = await viewers.connect(urls, VIEWERS, base, cap);
    await uploadAtRate(urls, FANOUT_RATE, 1, []);
    const f0 = await viewers.mark();
    const cpu0 = cpuOf(nodes);
    const w0 = now();
    const ups: Upload[] = [];
    const { skipped } = await uploadAtRate(urls, FANOUT_RATE, SECONDS, ups);
    await sleep(1000);
    const cpu = cpuOf(nodes) - cpu0;
    const wall = now() - w0;
    const f1 = await viewers.mark();
    const placed = ups.filter((u) => u.status === 201 && u.seq > 0);
    const commits: [number, number][] = [];
    for (const u of placed) {
      const t = watch ? watch.seen.get(u.seq) : u.doneAt;
      if (t !== undefined) commits.push([u.seq, t]);
    }
    const sent = placed.map((u): [number, number] => [u.seq, u.sentAt]);
    const finalSeq = Math.max(...placed.map((u) => u.seq));
    await sleep(200);
    const r = await viewers.finish(commits, sent, finalSeq);
    const windowFrames = f1.frames - f0.frames;
    return {
      ...r,
      cpuUsPerFrame: (cpu * 1000) / Math.max(1, windowFrames),
      cpuShare: cpu / wall,
      windowFrames,
      connectS,
      skipped: skipped + (ups.length - placed.length),
    };
  } finally {
    await viewers.close();
  }
}

async function fanout(): Promise<void> {
  const line = (name: string, f: Fanout) =>
    `  ${name}: commit -> receipt p50 ${ms(f.commit.p50)} ms, p99 ${ms(f.commit.p99)} ms, max ${ms(f.commit.max)} ms; ` +
    `upload sent -> receipt p50 ${ms(f.sent.p50)} ms, p99 ${ms(f.sent.p99)} ms; ` +
    `lost ${f.sent.lost}/${f.sent.lost + f.sent.got}, gaps ${f.gaps}, duplicates ${f.dups}, dropped ${f.closed}; ` +
    `server CPU ${(f.cpuShare * 100).toFixed(0)}% = ${f.cpuUsPerFrame.toFixed(0)} µs per delivered frame ` +
    `(${f.windowFrames} frames), viewers' process CPU ${(f.clientCpu * 100).toFixed(0)}%, connect ${f.connectS.toFixed(1)} s` +
    (f.skipped ? `, ${f.skipped} uploads not placed` : '');
  console.log(
    `fanout: ${VIEWERS} light raw-WebSocket viewers in a child process, ${FANOUT_RATE} placements/s through ` +
      `POST /api/tiles for ${SECONDS} s (+1 s warm-up); commit = the change's Redis stream entry read by the bench ` +
      `(cluster) or the 201's arrival (single, answered after its commit)`,
  );
  const cl = await withClusterEnv((env) =>
    withNodes(2, env, async (nodes) => {
      const watch = new StreamWatch(env.REDIS_URL!, `${env.REDIS_PREFIX}log`);
      try {
        return await fanoutOn(nodes, watch);
      } finally {
        await watch.close();
      }
    }),
  );
  console.log(line(`cluster, ${VIEWERS / 2} viewers on each of 2 nodes`, cl));
  const single = await withSingleEnv((env) => withNodes(1, env, (nodes) => fanoutOn(nodes, null)));
  console.log(line(`reference: single process, ${VIEWERS} viewers  `, single));
  console.log(
    `  cluster/single: commit -> receipt p99 ${ratio(cl.commit.p99, single.commit.p99)}x, ` +
      `sent -> receipt p99 ${ratio(cl.sent.p99, single.sent.p99)}x, CPU per frame ${ratio(cl.cpuUsPerFrame, single.cpuUsPerFrame)}x`,
  );
}

// 3. Failover --------------------------------------------------------------------------

/** Kills the placer, uploading to the survivor all along; ms to the first upload the new placer answered. */
async function failoverOnce(
  nodes: Proc[],
  env: Env,
  pool: pg.Pool,
): Promise<{ ms: number; electedMs: number }> {
  const roles = await Promise.all(nodes.map((p) => health(p.url)));
  const pi = roles.findIndex((r) => r.role === 'placer');
  if (pi < 0) throw new Error('no placer');
  const placer = nodes[pi]!;
  const survivor = nodes[1 - pi]!;
  const oldTerm = roles[pi]!.term ?? 0;
  const answers: Upload[] = [];
  let stop = false;
  const deadline = now() + 40_000;
  const worker = async () => {
    while (!stop && now() < deadline) answers.push(await upload(survivor.url));
  };
  const workers = Array.from({ length: 4 }, worker);
  await sleep(1000);
  const t0 = now();
  placer.child.kill('SIGKILL');
  await placer.exited;
  const elected = await until(async () => {
    const h = await health(survivor.url);
    return h.role === 'placer' && (h.term ?? 0) > oldTerm && h;
  }, 30_000);
  const electedMs = now() - t0;
  const first = await until(async () => {
    const r = await pool.query('SELECT min(seq) AS s FROM changes WHERE term = $1', [elected.term]);
    return r.rows[0]?.s !== null && Number(r.rows[0].s);
  }, 30_000);
  const answered = await until(async () => {
    const a = answers.filter((u) => u.status === 201 && u.seq >= first).sort((x, y) => x.doneAt - y.doneAt);
    return a[0];
  }, 30_000);
  stop = true;
  await Promise.all(workers);
  dropConnections();
  nodes[pi] = await spawnServer(placer.name, NODE, { MOSAIC_COLS: GRID, MOSAIC_ROWS: GRID, ...env });
  return { ms: answered.doneAt - t0, electedMs };
}

async function failover(): Promise<void> {
  console.log(
    'failover: kill -9 of the placer -> first upload answered by the next placer, 4 uploads in flight to the survivor',
  );
  const runs = await withClusterEnv(async (env) => {
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    try {
      return await withNodes(2, env, async (nodes) => {
        const out: { ms: number; electedMs: number }[] = [];
        for (let i = 0; i < 5; i++) out.push(await failoverOnce(nodes, env, pool));
        return out;
      });
    } finally {
      await pool.end();
    }
  });
  console.log(
    `  cluster: ${runs.map((r) => `${r.ms.toFixed(0)} ms`).join(', ')}; median ${median(runs.map((r) => r.ms)).toFixed(0)} ms ` +
      `(survivor reports role placer after a median ${median(runs.map((r) => r.electedMs)).toFixed(0)} ms); ` +
      'reference: a single process has no failover (its restart is the start-up time below)',
  );
}

const ONLY = new Set((process.env.BENCH_CLUSTER_ONLY ?? '').split(',').filter(Boolean));
const wanted = (part: string) => !ONLY.size || ONLY.has(part);

export async function run(): Promise<void> {
  console.log(
    `cluster: 2 nodes as child processes on PostgreSQL + Redis at 127.0.0.1 beside one single process; ` +
      `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  if (wanted('placements')) await placements();
  if (wanted('placer')) await placerCapacity();
  if (wanted('fanout')) await fanout();
  if (wanted('failover')) await failover();
  if (wanted('rss')) {
    if (process.env.BENCH_CLUSTER_1M !== '0') await rssAtMillion();
    else console.log('rss at 1M: skipped (BENCH_CLUSTER_1M=0)');
  }
  if (wanted('soak')) {
    if (process.env.BENCH_SOAK === '1') await soak();
    else console.log('soak: skipped (BENCH_SOAK=1 runs it, BENCH_SOAK_SECONDS sets its length, default 600)');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
