import { afterEach, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../client/net/snapshot.ts';
import type { UploadAnswer } from '../../shared/httpApi.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, type TestServer, upload } from '../support/server.ts';
import { expectSameState, Viewer } from './realtimeHarness.ts';

describe('realtime over the real app', () => {
  let server: TestServer | undefined;
  const viewers: Viewer[] = [];

  afterEach(async () => {
    for (const v of viewers.splice(0)) v.close();
    if (server) {
      await server.destroy();
    }
    server = undefined;
  });

  it('gives two viewers an upload with the seq of the HTTP answer, and its deletion', async () => {
    server = await startServer();
    const { app } = server;
    const a = new Viewer(server.url);
    const b = new Viewer(server.url);
    viewers.push(a, b);
    await Promise.all([a.connect(), b.connect()]);

    const res = await upload(server.url, await syntheticJpeg(640, 480, 7));
    expect(res.status).toBe(201);
    const tile = (await res.json()) as UploadAnswer;
    await Promise.all([a.reach(app.service.snapshot().seq), b.reach(app.service.snapshot().seq)]);
    expect(a.seqs).toContain(tile.seq);
    expect(b.seqs).toEqual(a.seqs);
    expect(a.mosaic.cellOfTile(tile.id)).toBe(tile.row * app.service.cols + tile.col);
    expectSameState(a.mosaic, app.service.snapshot());
    expectSameState(b.mosaic, app.service.snapshot());

    const del = await fetch(`${server.url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(del.status).toBeLessThan(300);
    await Promise.all([a.reach(app.service.snapshot().seq), b.reach(app.service.snapshot().seq)]);
    expect(a.mosaic.cellOfTile(tile.id)).toBeUndefined();
    expectSameState(b.mosaic, app.service.snapshot());
    expect([...a.problems, ...b.problems]).toEqual([]);
  });

  it('serves the snapshot over HTTP; a viewer holding it connects with since and gets only later changes', async () => {
    server = await startServer();
    const { app } = server;
    for (let i = 0; i < 3; i++)
      expect((await upload(server.url, await syntheticJpeg(480, 480, 30 + i))).status).toBe(201);
    const res = await fetch(`${server.url}/api/mosaic/snapshot`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Number(res.headers.get('x-mosaic-seq'))).toBe(app.service.seq);
    expect(Number(res.headers.get('x-mosaic-epoch'))).toBe(app.service.epoch);
    await res.arrayBuffer();
    // Downloaded and decoded as the page does it.
    const snapshot = await loadSnapshot(server.url);
    expect(snapshot).toMatchObject({
      start: { mode: 'cells', epoch: app.service.epoch, seq: app.service.seq, size: 3 },
      layout: { kind: 'snapshot', seq: app.service.seq, size: 3 },
    });

    // A viewer that applied the HTTP snapshot resumes from it: a replay, not a second snapshot.
    const after = (await (
      await upload(server.url, await syntheticJpeg(480, 480, 40))
    ).json()) as UploadAnswer;
    const v = new Viewer(server.url, { initial: Promise.resolve(snapshot) });
    viewers.push(v);
    const synced = await v.connect();
    expect(synced).toMatchObject({ mode: 'replay', epoch: app.service.epoch });
    expect(v.events).not.toContain('mosaic:snapshot');
    await v.reach(app.service.seq);
    expect(v.seqs).toEqual([after.seq]);
    expectSameState(v.mosaic, app.service.snapshot());
    expect(v.problems).toEqual([]);
  });
});
