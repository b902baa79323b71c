/**
 * The console in cluster mode: the rally registry lives in PostgreSQL, so a rally made on one
 * node is taken by another (listed mode, its own moderation), and refusals are counted in Redis
 * for the whole cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminQueue } from '../../shared/adminApi.ts';
import { type AdminStats, queueMark } from '../../shared/rallies.ts';
import { type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { ADMIN, ADMIN_TOKEN, admin } from './safetyHelpers.ts';

describe('the console on a cluster', () => {
  let cluster: TestCluster;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    cluster = await startTestCluster(['a', 'b'], { EVENTS: 'listed', ADMIN_TOKEN });
    [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('shares the registry, its moderation and the refusal counts between nodes', async () => {
    const refusedA = await upload(a.url, await syntheticJpeg(640, 480, 1), { event: 'berlin' });
    expect(refusedA.status).toBe(400);
    const refusedB = await upload(b.url, await syntheticJpeg(640, 480, 2), { event: 'berlin' });
    expect(((await refusedB.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_EVENT');

    const made = await admin(a.url, '/api/admin/rallies', {
      code: 'berlin',
      name: 'Kuss-in am Brandenburger Tor',
      city: 'Berlin',
      timeZone: 'Europe/Berlin',
      date: '2026-06-20',
      language: 'de',
      moderation: 'pre',
    });
    expect(made.status).toBe(201);
    // Node B lists it at once (the route reads the table) and takes it for uploads within its refresh.
    const listed = await fetch(`${b.url}/api/admin/rallies`, { headers: ADMIN });
    expect(((await listed.json()) as { rallies: { code: string }[] }).rallies.map((r) => r.code)).toEqual([
      'berlin',
    ]);
    const photo = await syntheticJpeg(640, 480, 3);
    const held = await until(async () => {
      const r = await upload(b.url, photo, { event: 'berlin' });
      return r.status === 202 ? ((await r.json()) as { status: string; id: number }) : undefined;
    }, 10_000);
    expect(held.status).toBe('pending');
    const heldId = held.id;

    const stats = (await (await fetch(`${a.url}/api/admin/stats`, { headers: ADMIN })).json()) as AdminStats;
    expect(stats).toMatchObject({ refused: { UNKNOWN_EVENT: 2 } });
    expect(stats.queue.length).toBe(1);
    // The mark PostgreSQL sums up is the one the embedded store computes from the ids.
    expect(stats.queue.mark).toBe(queueMark([heldId]));
    // The queue and the waiting tile's admin-only picture, from the node that did not store it.
    const queue = (await (await fetch(`${a.url}/api/admin/queue`, { headers: ADMIN })).json()) as AdminQueue;
    expect(queue.total).toBe(1);
    expect(queue.items.map((i) => i.id)).toEqual([heldId]);
    const thumb = await fetch(`${a.url}${queue.items[0]!.thumbUrl}`, { headers: ADMIN });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const none = await fetch(`${a.url}/api/admin/tiles/${heldId + 1000}/128.webp`, { headers: ADMIN });
    expect(none.status).toBe(404);
    // Who is online is the whole cluster's (Redis); ingest and latency are this node's own.
    expect(stats.perNode).toEqual(['uploadToVisibleMs', 'ingest', 'storage']);
    expect(stats.storage.usedBytes).toBeGreaterThan(0);
    expect(stats.storage.freeBytes).toBeNull();
  });
});
