import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { health, type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { Viewer } from './realtimeHarness.ts';

/** Which node is placer now (polling until exactly one says so). */
async function placerOf(nodes: NodeProcess[], timeoutMs: number): Promise<NodeProcess> {
  return until(
    async () => {
      const hs = await Promise.all(
        nodes.map((n) =>
          health(n.url).then(
            (h) => h,
            () => null,
          ),
        ),
      );
      const i = hs.findIndex((h) => h?.role === 'placer');
      return i >= 0 && hs.filter((h) => h?.role === 'placer').length === 1 ? nodes[i] : undefined;
    },
    timeoutMs,
    50,
  );
}

/** Asserts that a viewer saw every change once, in order, from its first to its last. */
function expectContinuous(v: Viewer) {
  expect(v.problems).toEqual([]);
  const s = v.seqs;
  expect(s.length).toBeGreaterThan(0);
  for (let i = 1; i < s.length; i++) expect(s[i], `change after ${s[i - 1]}`).toBe(s[i - 1]! + 1);
}

describe('cluster failover', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[] = [];
  let sql: pg.Client;
  const viewers: Viewer[] = [];
  const photos: Buffer[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(['a', 'b', 'c'], { MOSAIC_COLS: '12', MOSAIC_ROWS: '12' });
    ({ nodes, sql } = cluster);
    for (let i = 0; i < 10; i++) photos.push(await syntheticJpeg(480, 360, 300 + i));
  });

  afterAll(async () => {
    for (const v of viewers) v.close();
    await cluster?.close();
  });

  it('after a kill -9 of the placer during a burst of 30 uploads: every 201 survives, another node places within 5 s, viewers see no gap', async () => {
    const first = await placerOf(nodes, 10_000);
    const survivors = nodes.filter((n) => n !== first);
    const v = new Viewer(survivors[0]!.url);
    viewers.push(v);
    await v.connect();

    const acked: { id: number; seq: number }[] = [];
    const refused: number[] = [];
    let sent = 0;
    let killedAt = 0;
    const send = async (i: number) => {
      const n = nodes[i % 3]!;
      try {
        const r = await upload(n.url, photos[i % photos.length]!);
        if (r.status === 201) acked.push(await r.json());
        else refused.push(r.status);
      } catch {
        // the placer's own connections die with it: those uploads were never acknowledged
      }
    };
    const burst = (async () => {
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < 30; i++) {
        inflight.push(send(i));
        sent++;
        if (i === 10) {
          await Promise.all(inflight.splice(0));
          first.child.kill('SIGKILL');
          killedAt = Date.now();
        }
        if (inflight.length >= 4) await Promise.all(inflight.splice(0));
      }
      await Promise.all(inflight);
    })();
    await until(async () => killedAt > 0, 60_000, 10);
    const next = await placerOf(survivors, 5000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(5000);
    expect(survivors).toContain(next);
    await burst;
    expect(sent).toBe(30);
    expect(refused).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(20);

    // Every acknowledged tile is live, on every surviving node.
    for (const t of acked) {
      for (const n of survivors)
        expect((await fetch(`${n.url}/api/tiles/${t.id}`)).status, `tile ${t.id}`).toBe(200);
    }
    // Whatever was stored but not placed when the placer died is placed by the next one.
    await until(async () => {
      const q = await sql.query(`SELECT count(*)::int AS n FROM tiles WHERE status = 'queued'`);
      return q.rows[0].n === 0;
    }, 10_000);
    const seq = (await sql.query('SELECT seq FROM mosaic')).rows[0].seq as number;
    await v.reach(seq);
    expectContinuous(v);
    const live = (await sql.query(`SELECT count(*)::int AS n FROM tiles WHERE status = 'live'`)).rows[0].n;
    expect(v.mosaic.size).toBe(live);
    for (const n of survivors) await until(async () => (await health(n.url)).seq === seq, 5000);
  });
});
