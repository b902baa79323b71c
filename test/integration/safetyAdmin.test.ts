import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { queuedIds } from '../support/moderation.ts';
import { listFiles, upload } from '../support/server.ts';
import { ADMIN, ADMIN_TOKEN, admin, json, serverCell, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

const ADMIN_ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/admin/queue'],
  ['GET', '/api/admin/tiles/1/128.webp'],
  ['POST', '/api/admin/approve', { ids: [1] }],
  ['POST', '/api/admin/reject', { ids: [1] }],
  ['POST', '/api/admin/tiles/1/approve'],
  ['DELETE', '/api/admin/tiles/1'],
  ['POST', '/api/admin/takedown', { event: 'london' }],
];

async function tileFiles(dataDir: string, id: number): Promise<string[]> {
  return listFiles(dataDir).filter((f) => f === join('tiles', '0', `${id}.tile`));
}

describe('admin API', () => {
  it('refuses a missing or wrong token on every route, and is off without ADMIN_TOKEN', async () => {
    // Each route from its own address (through one trusted proxy), so that the failed-login
    // limit (20) does not trip in the middle.
    const s = await start({ MODERATION: 'pre', TRUST_PROXY_HOPS: '1' });
    const up = await json(await upload(s.url, await syntheticJpeg(640, 480, 1)));
    expect(up.id).toBe(1);
    for (const [i, [method, path, body]] of ADMIN_ROUTES.entries()) {
      const from = { 'x-forwarded-for': `198.51.100.${i + 1}`, 'content-type': 'application/json' };
      const init = { method, body: body ? JSON.stringify(body) : undefined };
      const none = await fetch(`${s.url}${path}`, { ...init, headers: from });
      expect(none.status, `${method} ${path} without a token`).toBe(401);
      expect((await json(none)).error).toMatchObject({ code: 'UNAUTHORIZED' });
      for (const wrong of [`${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1), 'x'.repeat(ADMIN_TOKEN.length)]) {
        const res = await fetch(`${s.url}${path}`, {
          ...init,
          headers: { ...from, authorization: `Bearer ${wrong}` },
        });
        expect(res.status, `${method} ${path} with a wrong token`).toBe(401);
      }
      const basic = await fetch(`${s.url}${path}`, {
        ...init,
        headers: { ...from, authorization: ADMIN_TOKEN },
      });
      expect(basic.status).toBe(401);
    }
    // Nothing was approved, rejected or deleted by all that.
    expect(await queuedIds(s.app.service)).toEqual([1]);

    const off = await start({ ADMIN_TOKEN: '' });
    const res = await fetch(`${off.url}/api/admin/queue`, { headers: ADMIN });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: 'ADMIN_DISABLED' });
    expect(String((body.error as { message: string }).message)).toMatch(/ADMIN_TOKEN/);
  });

  it('locks out a client after 20 wrong tokens, even with the right one', async () => {
    const s = await start();
    for (let i = 0; i < 20; i++)
      expect(
        (await fetch(`${s.url}/api/admin/queue`, { headers: { authorization: 'Bearer nope' } })).status,
      ).toBe(401);
    const res = await fetch(`${s.url}/api/admin/queue`, { headers: ADMIN });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('pre-moderation: a connected viewer sees nothing until an admin approves', async () => {
    const s = await start({ MODERATION: 'pre' });
    const v = await viewer(s.url);
    const seq0 = s.app.service.seq;
    const res = await upload(s.url, await syntheticJpeg(800, 600, 4), { event: 'london' });
    expect(res.status).toBe(202);
    const tile = await json(res);
    expect(tile.status).toBe('pending');
    const id = tile.id as number;

    // Not on the live layer, not at any public URL, not in the mosaic info.
    expect(s.app.service.seq).toBe(seq0);
    expect((await fetch(`${s.url}/api/tiles/${id}`)).status).toBe(404);
    for (const size of [32, 128, 512])
      expect((await fetch(`${s.url}/tiles/${id}/${size}.webp`)).status).toBe(404);
    expect((await json(await fetch(`${s.url}/api/mosaic`))).tileCount).toBe(0);

    const queue = await json(await fetch(`${s.url}/api/admin/queue`, { headers: ADMIN }));
    expect(queue.total).toBe(1);
    const [item] = queue.items as { id: number; event: string; thumbUrl: string; flags: number }[];
    expect(item).toMatchObject({
      id,
      event: 'london',
      flags: 0,
      thumbUrl: `/api/admin/tiles/${id}/128.webp`,
    });
    const thumb = await fetch(`${s.url}${item!.thumbUrl}`, { headers: ADMIN });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('cache-control')).toBe('private, no-store');
    expect((await fetch(`${s.url}${item!.thumbUrl}`)).status).toBe(401);

    // A later, unrelated change reaches the viewer while the tile still waits: proof it is listening.
    const other = await json(await upload(s.url, await syntheticJpeg(640, 480, 5)));
    const approveOther = await admin(s.url, `/api/admin/tiles/${other.id}/approve`);
    expect(approveOther.status).toBe(204);
    await v.reach(s.app.service.seq);
    expect(v.mosaic.cellOfTile(id)).toBeUndefined();
    expect(v.mosaic.size).toBe(1);

    const ok = await admin(s.url, '/api/admin/approve', { ids: [id, 999] });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toEqual({ approved: [id], skipped: [999] });
    await v.reach(s.app.service.seq);
    expect(v.mosaic.cellOfTile(id)).toBe(serverCell(s, id));
    expect((await fetch(`${s.url}/tiles/${id}/128.webp`)).status).toBe(200);
    expect((await json(await fetch(`${s.url}/api/admin/queue`, { headers: ADMIN }))).total).toBe(0);
    expect(v.problems).toEqual([]);
  });

  it("tells a waiting kiss's owner, and only them, whether it is in the mosaic yet", async () => {
    const s = await start({ MODERATION: 'pre' });
    const asked = (id: number, token?: string) =>
      fetch(
        `${s.url}/api/tiles/${id}/status`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
    const first = await json(await upload(s.url, await syntheticJpeg(640, 480, 31)));
    const second = await json(await upload(s.url, await syntheticJpeg(640, 480, 32)));
    const [a, b] = [first, second] as Array<{ id: number; deleteToken: string }>;

    const waiting = await asked(a!.id, a!.deleteToken);
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get('cache-control')).toBe('no-store');
    expect(await json(waiting)).toEqual({ status: 'pending' });
    // Not to anyone else: no token, another tile's token, a tile that never was.
    expect((await json(await asked(a!.id))).error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await asked(a!.id)).status).toBe(401);
    expect((await asked(a!.id, b!.deleteToken)).status).toBe(403);
    expect((await asked(999, a!.deleteToken)).status).toBe(404);
    expect((await asked(0, a!.deleteToken)).status).toBe(404);

    // Approved: live, in the cell the public record gives.
    expect((await admin(s.url, `/api/admin/tiles/${a!.id}/approve`)).status).toBe(204);
    const cell = await json(await fetch(`${s.url}/api/tiles/${a!.id}`));
    expect(await json(await asked(a!.id, a!.deleteToken))).toEqual({
      status: 'live',
      col: cell.col,
      row: cell.row,
    });
    // Rejected: deleted, as any deleted tile.
    expect((await admin(s.url, '/api/admin/reject', { ids: [b!.id] })).status).toBe(200);
    const gone = await asked(b!.id, b!.deleteToken);
    expect(gone.status).toBe(404);
    expect((await json(gone)).error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reject deletes the rows and files of waiting tiles, one or many', async () => {
    const s = await start({ MODERATION: 'pre' });
    const v = await viewer(s.url);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await json(await upload(s.url, await syntheticJpeg(640, 480, 20 + i)))).id as number);
    expect(await tileFiles(s.dataDir, ids[0]!)).toHaveLength(1);

    expect((await admin(s.url, `/api/admin/tiles/${ids[0]}/reject`)).status).toBe(204);
    expect((await admin(s.url, `/api/admin/tiles/${ids[0]}/reject`)).status).toBe(404);
    const bulk = await admin(s.url, '/api/admin/reject', { ids: [ids[1], ids[2]] });
    expect(await json(bulk)).toEqual({ rejected: [ids[1], ids[2]], skipped: [] });
    for (const id of ids) {
      expect(await tileFiles(s.dataDir, id)).toEqual([]);
      expect(s.app.service.get(id)).toBeUndefined();
      expect((await fetch(`${s.url}/api/admin/tiles/${id}/512.webp`, { headers: ADMIN })).status).toBe(404);
    }
    expect(await queuedIds(s.app.service)).toEqual([]);
    expect(v.mosaic.size).toBe(0);
    expect(v.seqs).toEqual([]);
  });

  it('removes any live tile and takes down a rally or a region, live, freeing the cells', async () => {
    const s = await start();
    const v = await viewer(s.url);
    const up = async (seed: number, event?: string) =>
      json(await upload(s.url, await syntheticJpeg(640, 480, seed), event ? { event } : {}));
    const london = [await up(31, 'london'), await up(32, 'london')];
    const paris = await up(33, 'paris');
    const plain = [await up(34), await up(35), await up(36)];
    await v.reach(s.app.service.seq);
    expect(v.mosaic.size).toBe(6);

    expect((await admin(s.url, `/api/admin/tiles/${plain[0]!.id}`, undefined, 'DELETE')).status).toBe(204);
    expect((await admin(s.url, `/api/admin/tiles/${plain[0]!.id}`, undefined, 'DELETE')).status).toBe(404);

    const byEvent = await json(await admin(s.url, '/api/admin/takedown', { event: 'london' }));
    expect((byEvent.removed as number[]).sort()).toEqual(london.map((t) => t.id).sort());
    await v.reach(s.app.service.seq);
    for (const t of london) {
      expect(v.mosaic.cellOfTile(t.id as number)).toBeUndefined();
      expect((await fetch(`${s.url}/tiles/${t.id}/128.webp`)).status).toBe(404);
    }
    expect(v.mosaic.cellOfTile(paris.id as number)).toBe(serverCell(s, paris.id as number));

    const target = s.app.service.get(plain[1]!.id as number)!;
    const region = { col: target.col, row: target.row, cols: 1, rows: 1 };
    const byRegion = await json(await admin(s.url, '/api/admin/takedown', { region }));
    expect(byRegion.removed).toEqual([target.id]);
    await v.reach(s.app.service.seq);
    expect(v.mosaic.cellOfTile(target.id)).toBeUndefined();
    expect(s.app.service.liveIn(region.col, region.row, 1, 1)).toEqual([]);
    expect(v.mosaic.size).toBe(2);
    expect(s.app.service.tileCount).toBe(2);
    expect(v.problems).toEqual([]);
  });

  it.each([
    ['/api/admin/approve', {}],
    ['/api/admin/approve', { ids: [] }],
    ['/api/admin/approve', { ids: [1.5] }],
    ['/api/admin/reject', { ids: ['1'] }],
    ['/api/admin/reject', { ids: [1], extra: true }],
    ['/api/admin/takedown', {}],
    ['/api/admin/takedown', { event: 'not a code!' }],
    ['/api/admin/takedown', { region: { col: 0, row: 0, cols: 0, rows: 1 } }],
    ['/api/admin/takedown', { event: 'london', region: { col: 0, row: 0, cols: 1, rows: 1 } }],
  ])('answers 400 BAD_REQUEST to %s %j', async (path, body) => {
    const s = await start();
    const res = await admin(s.url, path, body);
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/api/admin/approve`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{"ids": [1',
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
