import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type AdminStats, queueMark } from '../../shared/rallies.ts';
import {
  createTestDatabase,
  health,
  type NodeProcess,
  REDIS_TEST_URL,
  redisPrefix,
  spawnNode,
  until,
} from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload, uploadWithKey } from '../support/server.ts';
import { PrivatePostgres, PrivateRedis } from '../support/services.ts';
import { Viewer } from './realtimeHarness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_ADMIN_TOKEN = 'outage-admin-token-0123456789';
const OUTAGE_ADMIN = { Authorization: `Bearer ${OUTAGE_ADMIN_TOKEN}` };

async function adminStats(url: string): Promise<AdminStats> {
  const r = await fetch(`${url}/api/admin/stats`, { headers: OUTAGE_ADMIN });
  expect(r.status).toBe(200);
  return (await r.json()) as AdminStats;
}

/** The live tiles as PostgreSQL holds them: id -> cell index. */
async function liveCells(url: string, cols: number): Promise<Map<number, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT id, cell_col, cell_row FROM tiles WHERE status = 'live'`);
    return new Map(
      r.rows.map((x) => [x.id as number, (x.cell_row as number) * cols + (x.cell_col as number)]),
    );
  } finally {
    await c.end();
  }
}

function cellsOf(v: Viewer): Map<number, number> {
  const m = new Map<number, number>();
  v.mosaic.cellId.forEach((id, cell) => {
    if (id) m.set(id, cell);
  });
  return m;
}

describe('cluster outages', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const f of cleanups.reverse()) await f().catch(() => {});
  });

  it('with Redis stopped for 10 s, uploads still commit and viewers on every node end at the server state', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.down());
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, REDIS_PREFIX: 'kiss:' };
    const nodes: NodeProcess[] = await Promise.all(['a', 'b'].map((n) => spawnNode(n, env)));
    cleanups.push(() => Promise.all(nodes.map((n) => n.stop())).then(() => {}));
    const viewers = nodes.map((n) => new Viewer(n.url));
    cleanups.push(async () => {
      for (const v of viewers) v.close();
    });
    await Promise.all(viewers.map((v) => v.connect()));
    const photos = await Promise.all([1, 2, 3, 4, 5].map((k) => syntheticJpeg(400, 300, 700 + k)));
    expect((await upload(nodes[0]!.url, photos[0]!)).status).toBe(201);

    await redis.down();
    const down = Date.now();
    const during: number[] = [];
    for (const [k, p] of photos.slice(1, 4).entries())
      during.push((await upload(nodes[k % 2]!.url, p)).status);
    expect(during).toEqual([201, 201, 201]);
    await sleep(Math.max(0, 10_000 - (Date.now() - down)));
    await redis.up();
    expect((await upload(nodes[1]!.url, photos[4]!)).status).toBe(201);

    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { seq, cols } = (await c.query('SELECT seq, cols FROM mosaic')).rows[0];
    await c.end();
    const truth = await liveCells(db.url, cols);
    expect(truth.size).toBe(5);
    for (const v of viewers) {
      await v.reach(seq);
      expect(v.problems).toEqual([]);
      expect(cellsOf(v)).toEqual(truth);
    }
  });

  it('with PostgreSQL stopped, uploads answer 503 STORE_UNAVAILABLE, viewers keep what they have, and everything works again without a restart', async () => {
    const pgp = await PrivatePostgres.start();
    cleanups.push(() => pgp.destroy());
    const redis = redisPrefix();
    cleanups.push(() => redis.clean());
    const env = {
      DATABASE_URL: pgp.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: redis.prefix,
      PLACER_WAIT_MS: '4000',
      ADMIN_TOKEN: OUTAGE_ADMIN_TOKEN,
    };
    const nodes: NodeProcess[] = await Promise.all(['a', 'b'].map((n) => spawnNode(n, env)));
    cleanups.push(() => Promise.all(nodes.map((n) => n.stop())).then(() => {}));
    const v = new Viewer(nodes[1]!.url);
    cleanups.push(async () => v.close());
    await v.connect();
    const photos = await Promise.all([1, 2, 3].map((k) => syntheticJpeg(400, 300, 800 + k)));
    const first = await upload(nodes[0]!.url, photos[0]!);
    expect(first.status).toBe(201);
    const t1 = (await first.json()) as { id: number; seq: number };
    await v.reachAtLeast(t1.seq);

    await pgp.down();
    const refused = await upload(nodes[0]!.url, photos[1]!);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string } };
    expect(['STORE_UNAVAILABLE', 'PLACER_UNAVAILABLE']).toContain(body.error.code);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // The viewer keeps its mosaic and its connection; the node keeps serving what it holds.
    expect(v.socket.connected).toBe(true);
    expect(v.mosaic.cellOfTile(t1.id)).toBeDefined();
    expect((await fetch(`${nodes[1]!.url}/api/tiles/${t1.id}`)).status).toBe(200);
    expect((await health(nodes[1]!.url)).seq).toBe(t1.seq);
    // The console is told the database does not answer, not shown an empty review queue.
    const stats = await adminStats(nodes[1]!.url);
    expect(stats.queue).toEqual({ length: null, oldestAgeMs: null, mark: null });
    expect(stats.storage.unavailable).toBe(true);
    const queue = await fetch(`${nodes[1]!.url}/api/admin/queue`, { headers: OUTAGE_ADMIN });
    expect(queue.status).toBe(503);
    expect(((await queue.json()) as { error: { code: string } }).error.code).toBe('STORE_UNAVAILABLE');

    await pgp.up();
    // The phone retries with its Idempotency-Key: a try that was stored but not yet placed
    // (503 PLACER_UNAVAILABLE while the placer came back) is answered, not stored twice.
    const key = 'outage-retry-key-0001';
    const statuses: number[] = [];
    const t2 = await until(
      async () => {
        const r = await uploadWithKey(nodes[1]!.url, photos[2]!, key);
        statuses.push(r.status);
        return r.status === 201 ? ((await r.json()) as { id: number; seq: number }) : undefined;
      },
      30_000,
      500,
    );
    expect(statuses.every((s) => s === 201 || s === 503)).toBe(true);
    await until(async () => v.mosaic.seq >= t2.seq, 5000);
    expect(v.mosaic.cellOfTile(t2.id)).toBeGreaterThanOrEqual(0);
    expect(v.mosaic.size).toBe(2);
    expect(v.problems).toEqual([]);
    const back = await adminStats(nodes[1]!.url);
    expect(back.queue).toMatchObject({ length: 0, mark: queueMark([]) });
    expect(back.storage.unavailable).toBe(false);
  });
});
