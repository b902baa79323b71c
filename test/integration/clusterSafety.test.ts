import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { Viewer } from './realtimeHarness.ts';

const ADMIN = 'cluster-admin-token-0123456789';

/** POSTs a photo from a given browser id and network (X-Forwarded-For, one trusted proxy hop). */
async function send(url: string, photo: Buffer, client: string, ip: string): Promise<Response> {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'p.jpg');
  return fetch(`${url}/api/tiles`, {
    method: 'POST',
    body: form,
    headers: { 'X-Client-Id': client, 'X-Forwarded-For': ip },
  });
}

describe('cluster mode: limits, flags and moderation hold for the whole cluster', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[] = [];
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(['a', 'b', 'c'], {
      UPLOAD_RATE_LIMIT: '2',
      TRUST_PROXY_HOPS: '1',
      FLAG_THRESHOLD: '2',
      ADMIN_TOKEN: ADMIN,
      DUPLICATE_CHECK: '1',
    });
    nodes = cluster.nodes;
  });

  afterAll(async () => {
    for (const v of viewers) v.close();
    await cluster?.close();
  });

  it('a browser gets its uploads a minute in total across nodes, not per node', async () => {
    const photos = await Promise.all([1, 2, 3].map((k) => syntheticJpeg(400, 300, 900 + k)));
    const client = 'browser-limit-000000001';
    expect((await send(nodes[0]!.url, photos[0]!, client, '203.0.113.7')).status).toBe(201);
    expect((await send(nodes[1]!.url, photos[1]!, client, '203.0.113.7')).status).toBe(201);
    const third = await send(nodes[2]!.url, photos[2]!, client, '203.0.113.7');
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(third.headers.get('retry-after')).toBeTruthy();
  });

  it('the duplicate check answers across nodes: a copy sent to another node is refused', async () => {
    const photo = await syntheticJpeg(500, 400, 4242);
    expect((await send(nodes[0]!.url, photo, 'browser-dup-0000000001', '198.51.100.1')).status).toBe(201);
    const copy = await send(nodes[2]!.url, photo, 'browser-dup-0000000002', '198.51.100.2');
    expect(copy.status).toBe(409);
    expect(((await copy.json()) as { error: { code: string } }).error.code).toBe('DUPLICATE_PHOTO');
  });

  it('flags from two networks on two nodes hide a tile everywhere; an admin on a third node approves it back', async () => {
    const v = new Viewer(nodes[2]!.url);
    viewers.push(v);
    await v.connect();
    const r = await send(
      nodes[0]!.url,
      await syntheticJpeg(420, 300, 5151),
      'browser-flag-00000001',
      '192.0.2.10',
    );
    const tile = (await r.json()) as {
      id: number;
      seq: number;
      col: number;
      row: number;
      deleteToken: string;
    };
    await v.reachAtLeast(tile.seq);
    // What the contributor's page asks while the kiss waits: any node answers for the whole cluster.
    const status = async (url: string) => {
      const res = await fetch(`${url}/api/tiles/${tile.id}/status`, {
        headers: { authorization: `Bearer ${tile.deleteToken}` },
      });
      return { code: res.status, body: await res.json() };
    };
    const live = { code: 200, body: { status: 'live', col: tile.col, row: tile.row } };
    expect(await status(nodes[1]!.url)).toEqual(live);
    const flag = (url: string, ip: string, client: string) =>
      fetch(`${url}/api/tiles/${tile.id}/flag`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Forwarded-For': ip, 'X-Client-Id': client },
        body: JSON.stringify({ reason: 'spam' }),
      });
    expect((await flag(nodes[0]!.url, '192.0.2.50', 'flagger-browser-00001')).status).toBe(204);
    expect(v.mosaic.cellOfTile(tile.id)).toBeDefined();
    expect((await flag(nodes[1]!.url, '192.0.2.51', 'flagger-browser-00002')).status).toBe(204);
    await until(async () => v.mosaic.cellOfTile(tile.id) === undefined, 5000);
    for (const n of nodes) expect((await fetch(`${n.url}/tiles/${tile.id}/128.webp`)).status).toBe(404);
    for (const n of nodes) expect(await status(n.url)).toEqual({ code: 200, body: { status: 'pending' } });

    const auth = { authorization: `Bearer ${ADMIN}` };
    const queue = (await (await fetch(`${nodes[2]!.url}/api/admin/queue`, { headers: auth })).json()) as {
      items: { id: number; flags: number; flagReasons: Record<string, number> }[];
    };
    expect(queue.items.map((i) => i.id)).toContain(tile.id);
    expect(queue.items.find((i) => i.id === tile.id)).toMatchObject({ flags: 2, flagReasons: { spam: 2 } });
    expect(
      (await fetch(`${nodes[2]!.url}/api/admin/tiles/${tile.id}/128.webp`, { headers: auth })).status,
    ).toBe(200);
    const ok = await fetch(`${nodes[2]!.url}/api/admin/tiles/${tile.id}/approve`, {
      method: 'POST',
      headers: auth,
    });
    expect(ok.status).toBe(204);
    await until(async () => v.mosaic.cellOfTile(tile.id) !== undefined, 5000);
    for (const n of nodes)
      await until(async () => (await fetch(`${n.url}/tiles/${tile.id}/128.webp`)).status === 200, 5000);
    for (const n of nodes) expect((await status(n.url)).body).toMatchObject({ status: 'live' });
    expect(v.problems).toEqual([]);
  });

  it('an admin takedown of a rally on one node removes its tiles from every node', async () => {
    const v = new Viewer(nodes[0]!.url);
    viewers.push(v);
    await v.connect();
    const ids: number[] = [];
    for (const k of [1, 2]) {
      const form = new FormData();
      form.set(
        'photo',
        new Blob([new Uint8Array(await syntheticJpeg(400, 320, 6100 + k))], { type: 'image/jpeg' }),
        'p.jpg',
      );
      form.set('event', 'berlin');
      const r = await fetch(`${nodes[k]!.url}/api/tiles`, {
        method: 'POST',
        body: form,
        headers: { 'X-Client-Id': `browser-rally-00000${k}`, 'X-Forwarded-For': `192.0.2.${60 + k}` },
      });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: number }).id);
    }
    const r = await fetch(`${nodes[0]!.url}/api/admin/takedown`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'berlin' }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { removed: number[] }).removed.sort()).toEqual(ids.sort());
    await until(async () => ids.every((id) => v.mosaic.cellOfTile(id) === undefined), 5000);
    for (const n of nodes)
      for (const id of ids)
        await until(async () => (await fetch(`${n.url}/api/tiles/${id}`)).status === 404, 5000);
  });
});
