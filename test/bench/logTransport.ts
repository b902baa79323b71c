/**
 * How a placer's commit reaches the other nodes: a Redis Stream entry added after the commit
 * (what the cluster mode does) against PostgreSQL's NOTIFY sent inside the commit (the
 * reference). Both write the same log row in the same transaction; a follower in this process
 * receives each change. Printed: commits/s of one committer, and latency from the commit's
 * start to the follower's receipt, p50/p99, each as a ratio; and whether a growth-sized entry
 * (14 MB) can travel at all.
 *
 *   npm run bench -- logTransport
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, REDIS_TEST_URL, redisPrefix } from '../support/cluster.ts';

const COMMITS = Number(process.env.BENCH_LOG_COMMITS ?? 2000);
/** One commit's entry: a placement and ~1 move, as the log codec writes them. */
const ENTRY_BYTES = 80;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
}

async function viaStream(url: string, prefix: string): Promise<Result> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const pub = new Redis(REDIS_TEST_URL);
  const sub = new Redis(REDIS_TEST_URL);
  const key = `${prefix}log`;
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let stop = false;
  const follower = (async () => {
    let last = '0-0';
    while (!stop) {
      const r = (await sub.xread('BLOCK', 200, 'STREAMS', key, last)) as
        | [string, [string, string[]][]][]
        | null;
      for (const [, entries] of r ?? []) {
        for (const [id] of entries) {
          last = id;
          const seq = Number(id.split('-')[0]);
          lat.push(performance.now() - sent.get(seq)!);
        }
      }
      if (lat.length >= COMMITS) return;
    }
  })();
  const payload = randomBytes(ENTRY_BYTES);
  const t0 = performance.now();
  for (let seq = 1; seq <= COMMITS; seq++) {
    await c.query('BEGIN');
    await c.query('INSERT INTO log (seq, data) VALUES ($1, $2)', [seq, payload]);
    sent.set(seq, performance.now());
    await c.query('COMMIT');
    // Not awaited: one connection keeps the entries in order, and the next commit need not wait.
    void pub.xadd(key, 'MAXLEN', '~', 100000, `${seq}-0`, 'b', payload);
  }
  await pub.ping();
  const secs = (performance.now() - t0) / 1000;
  await Promise.race([follower, new Promise((r) => setTimeout(r, 10_000))]);
  stop = true;
  await follower;
  await c.end();
  pub.disconnect();
  sub.disconnect();
  return { perSecond: COMMITS / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function viaNotify(url: string): Promise<Result> {
  const c = new pg.Client({ connectionString: url });
  const listener = new pg.Client({ connectionString: url });
  await Promise.all([c.connect(), listener.connect()]);
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((r) => {
    done = r;
  });
  listener.on('notification', (n) => {
    lat.push(performance.now() - sent.get(Number(n.payload!.slice(0, 12)))!);
    if (lat.length >= COMMITS) done();
  });
  await listener.query('LISTEN log');
  const payload = randomBytes(ENTRY_BYTES).toString('base64');
  const t0 = performance.now();
  for (let seq = 1; seq <= COMMITS; seq++) {
    await c.query('BEGIN');
    await c.query('INSERT INTO log (seq, data) VALUES ($1, $2)', [seq + COMMITS, Buffer.from(payload)]);
    await c.query(`SELECT pg_notify('log', $1)`, [`${String(seq).padStart(12, '0')}${payload}`]);
    sent.set(seq, performance.now());
    await c.query('COMMIT');
  }
  const secs = (performance.now() - t0) / 1000;
  await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
  await Promise.all([c.end(), listener.end()]);
  return { perSecond: COMMITS / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

/** Whether a growth at a million tiles (14 bytes a placement) can be one message of each transport. */
async function growthFits(url: string, prefix: string): Promise<{ notify: string; stream: string }> {
  const big = randomBytes(14 * 1_000_000);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let notify = 'sent';
  try {
    await c.query(`SELECT pg_notify('log', $1)`, [big.toString('base64')]);
  } catch (e) {
    notify = `refused (${(e as Error).message})`;
  }
  await c.end();
  const r = new Redis(REDIS_TEST_URL);
  const t = performance.now();
  await r.xadd(`${prefix}big`, '*', 'b', big);
  const stream = `sent in ${(performance.now() - t).toFixed(0)} ms`;
  r.disconnect();
  return { notify, stream };
}

export async function run(): Promise<void> {
  const db = await createTestDatabase();
  const redis = redisPrefix();
  try {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE log (seq bigint PRIMARY KEY, data bytea NOT NULL)');
    await c.end();
    console.log(
      `== log transport == ${COMMITS} commits of one ${ENTRY_BYTES}-byte entry each, one committer`,
    );
    const s = await viaStream(db.url, redis.prefix);
    const n = await viaNotify(db.url);
    const f = (r: Result) =>
      `${r.perSecond.toFixed(0)} commits/s, commit to receipt p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
    console.log(`  Redis Stream after the commit (ours): ${f(s)}`);
    console.log(`  NOTIFY inside the commit (reference): ${f(n)}`);
    console.log(
      `  ours / reference: commits/s ${(s.perSecond / n.perSecond).toFixed(2)}x, p50 ${(s.p50 / n.p50).toFixed(2)}x, p99 ${(s.p99 / n.p99).toFixed(2)}x`,
    );
    const g = await growthFits(db.url, redis.prefix);
    console.log(`  a growth at 1,000,000 tiles (14 MB): NOTIFY ${g.notify}; stream ${g.stream}`);
  } finally {
    await redis.clean();
    await db.drop();
  }
}
