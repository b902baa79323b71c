/**
 * The review queue of a cluster node with a backlog (`npm run bench -- queue`): a pre-moderated
 * rally where BENCH_QUEUE_N tiles (default 20,000) wait for review in PostgreSQL.
 *
 * What a console costs the node and the database, as the console meets it over HTTP: the
 * queue's page of 200, the admin-only thumbnail of each row it shows, and the live numbers it
 * is sent every 2 s. Beside each, the previous read of the same figures from the same database
 * in the same run: every waiting row listed, then sliced, searched or summed in the node.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { pendingQueue, pendingTile } from '../../server/cluster/pgData.ts';
import type { AdminQueue } from '../../shared/adminApi.ts';
import { queueMark } from '../../shared/rallies.ts';
import { startTestCluster } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';

const TOKEN = 'bench-queue-admin-token-0123456789';
const ADMIN = { Authorization: `Bearer ${TOKEN}` };

/** The previous read: every waiting row, oldest first (what the queue, its numbers and a lookup began with). */
async function everyWaitingRow(pool: pg.Client) {
  const r = await pool.query(
    `SELECT id, event, created_at, rgb FROM tiles WHERE status = 'pending' ORDER BY id`,
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    event: x.event as string | null,
    createdAt: Number(x.created_at),
    rgb: [(x.rgb >> 16) & 255, (x.rgb >> 8) & 255, x.rgb & 255],
  }));
}

/** Median and 90th percentile of `runs` timings of `fn`, in ms, after one untimed call. */
async function time(runs: number, fn: () => Promise<unknown>): Promise<{ p50: number; p90: number }> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(runs / 2)]!, p90: ms[Math.floor(runs * 0.9)]! };
}

/** `n` requests for `paths`, `width` at a time, as a browser fetches a list's thumbnails. */
async function fetchAll(base: string, paths: string[], width: number): Promise<number> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < paths.length) {
      const res = await fetch(base + paths[next++]!, { headers: ADMIN });
      if (!res.ok) throw new Error(`${res.status} for a thumbnail`);
      bytes += (await res.arrayBuffer()).byteLength;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return bytes;
}

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
const ratio = (before: number, now: number) => `${(before / now).toFixed(1)}x`;

export async function run(): Promise<void> {
  const N = Number(process.env.BENCH_QUEUE_N ?? 20_000);
  const cluster = await startTestCluster(['queue'], { MODERATION: 'pre', ADMIN_TOKEN: TOKEN });
  try {
    const node = cluster.nodes[0]!;
    const sql = cluster.sql;
    // One real photo through the node's ingest, then its row and files copied to fill the queue.
    const res = await upload(node.url, await syntheticJpeg(1200, 900, 1));
    const seed = ((await res.json()) as { id: number }).id;
    await sql.query(
      `INSERT INTO tiles (id, status, event, created_at, delete_hash, features, rgb, phash)
       SELECT nextval('tile_ids'), status, CASE WHEN g % 3 = 0 THEN 'london' END, created_at + g,
              delete_hash, features, rgb, phash
         FROM tiles, generate_series(1, $2::int) g WHERE id = $1`,
      [seed, N - 1],
    );
    await sql.query(
      `INSERT INTO tile_files (id, size, data)
       SELECT t.id, f.size, f.data FROM tiles t JOIN tile_files f ON f.id = $1
        WHERE t.status = 'pending' AND t.id <> $1`,
      [seed],
    );
    await sql.query('ANALYZE tiles');
    console.log(`\n## The review queue of a cluster node: ${N.toLocaleString('en-US')} tiles waiting`);

    // What the console meets over HTTP (the node as built).
    const q = (await (
      await fetch(`${node.url}/api/admin/queue?limit=200`, { headers: ADMIN })
    ).json()) as AdminQueue;
    if (q.total !== N || q.items.length !== 200)
      throw new Error(`queue answered ${q.total}/${q.items.length}`);
    const page = await time(20, () =>
      fetch(`${node.url}/api/admin/queue?limit=200`, { headers: ADMIN }).then((r) => r.arrayBuffer()),
    );
    const stats = await time(20, () =>
      fetch(`${node.url}/api/admin/stats`, { headers: ADMIN }).then((r) => r.arrayBuffer()),
    );
    const thumbs = q.items.map((i) => i.thumbUrl);
    let bytes = 0;
    const t0 = performance.now();
    bytes = await fetchAll(node.url, thumbs, 6);
    const allThumbs = performance.now() - t0;
    const one = await time(50, () =>
      fetch(node.url + thumbs[100]!, { headers: ADMIN }).then((r) => r.arrayBuffer()),
    );
    console.log(
      `over HTTP: the queue's page of 200 ${ms(page.p50)} (p90 ${ms(page.p90)}); the live numbers ${ms(stats.p50)} (p90 ${ms(stats.p90)}); one thumbnail ${ms(one.p50)}; the page's 200 thumbnails, 6 at a time, ${ms(allThumbs)} (${(bytes / 1024).toFixed(0)} KB)`,
    );

    // The store's reads, now and before, on the same database.
    const nowPage = await time(20, () => pendingQueue(sql, 200));
    const oldPage = await time(10, async () => (await everyWaitingRow(sql)).slice(0, 200));
    const nowStats = await time(20, () => pendingQueue(sql, 0));
    const oldStats = await time(10, async () => {
      const rows = await everyWaitingRow(sql);
      return [rows.length, Math.min(...rows.map((r) => r.createdAt)), queueMark(rows.map((r) => r.id))];
    });
    const id = q.items[100]!.id;
    const nowFind = await time(50, () => pendingTile(sql, id));
    const oldFind = await time(10, async () => (await everyWaitingRow(sql)).find((r) => r.id === id));
    const same =
      (await pendingQueue(sql, 0)).mark === queueMark((await everyWaitingRow(sql)).map((r) => r.id));
    console.log(
      `the queue's page of 200: ${ms(nowPage.p50)}, before ${ms(oldPage.p50)}: ${ratio(oldPage.p50, nowPage.p50)} faster`,
    );
    console.log(
      `the live numbers' length, oldest and mark: ${ms(nowStats.p50)}, before ${ms(oldStats.p50)}: ${ratio(oldStats.p50, nowStats.p50)} faster (same mark as the ids': ${same})`,
    );
    console.log(
      `one waiting tile (each thumbnail, each look): ${ms(nowFind.p50)}, before ${ms(oldFind.p50)}: ${ratio(oldFind.p50, nowFind.p50)} faster; a console's 200 thumbnails looked up in ${ms(nowFind.p50 * 200)}, before ${ms(oldFind.p50 * 200)}`,
    );
  } finally {
    await cluster.close();
  }
}
