import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { flagCount, queuedIds } from '../support/moderation.ts';
import { startServer, upload } from '../support/server.ts';
import { ADMIN, admin, json, serverCell, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

/** Flags a tile as a browser behind one trusted proxy: from `ip`, with client id `client`. */
function flag(url: string, id: number, ip: string, client?: string, body: unknown = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-forwarded-for': ip };
  if (client) headers['x-client-id'] = client;
  return fetch(`${url}/api/tiles/${id}/flag`, { method: 'POST', headers, body: JSON.stringify(body) });
}

const client = (n: number) => `client-${String(n).padStart(12, '0')}`;

describe('flagging', () => {
  it('hides a tile flagged from 3 different networks until an admin approves it again', async () => {
    const s = await start({ TRUST_PROXY_HOPS: '1' });
    const v = await viewer(s.url);
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 41)));
    const id = tile.id as number;
    await v.reach(tile.seq as number);
    const live = () => s.app.service.get(id)?.status === 'live';

    expect((await flag(s.url, id, '203.0.113.1', client(1), { reason: 'hate' })).status).toBe(204);
    // Repeats: the same network with another browser, the same browser from another network,
    // and another address in the same IPv6 /56 as an earlier one.
    expect((await flag(s.url, id, '203.0.113.1', client(2))).status).toBe(204);
    expect((await flag(s.url, id, '198.51.100.7', client(1))).status).toBe(204);
    expect((await flag(s.url, id, '2001:db8:0:1::1', client(3))).status).toBe(204);
    expect((await flag(s.url, id, '2001:db8:0:2::99', client(4))).status).toBe(204);
    expect(await flagCount(s.app.safety.flags, id)).toBe(2);
    expect(live()).toBe(true);

    // A browser without a client id gets a cookie; sending it back makes it the same client.
    const first = await flag(s.url, id, '192.0.2.10');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^kiss_client=[A-Za-z0-9_-]{16,}; Path=\/api\/tiles; HttpOnly; SameSite=Strict$/);
    expect(await flagCount(s.app.safety.flags, id)).toBe(3);
    expect(live()).toBe(false);

    // It left every screen and every public URL, and waits in the queue with its flags.
    await v.reach(s.app.service.seq);
    expect(v.mosaic.cellOfTile(id)).toBeUndefined();
    expect((await fetch(`${s.url}/tiles/${id}/128.webp`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/tiles/${id}`)).status).toBe(404);
    expect((await flag(s.url, id, '192.0.2.11', client(9))).status).toBe(404);
    const queue = await json(await fetch(`${s.url}/api/admin/queue`, { headers: ADMIN }));
    expect(queue.items).toEqual([expect.objectContaining({ id, flags: 3, flagReasons: { hate: 1 } })]);

    expect((await admin(s.url, `/api/admin/tiles/${id}/approve`)).status).toBe(204);
    await v.reach(s.app.service.seq);
    expect(v.mosaic.cellOfTile(id)).toBe(serverCell(s, id));
    // Approval starts its count afresh.
    expect(await flagCount(s.app.safety.flags, id)).toBe(0);
    expect((await flag(s.url, id, '203.0.113.1', client(1))).status).toBe(204);
    expect(live()).toBe(true);
    expect(v.problems).toEqual([]);
  });

  it('keeps a hidden tile hidden across a restart', async () => {
    const s = await start({ TRUST_PROXY_HOPS: '1', FLAG_THRESHOLD: '1' });
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 42)));
    expect((await flag(s.url, tile.id as number, '203.0.113.5', client(5))).status).toBe(204);
    await s.app.close();
    const again = await startServer({ ADMIN_TOKEN: 'x'.repeat(16) }, s.dataDir);
    try {
      expect(await queuedIds(again.app.service)).toEqual([tile.id]);
      expect((await fetch(`${again.url}/tiles/${tile.id}/128.webp`)).status).toBe(404);
    } finally {
      await again.close();
    }
  });

  it.each([
    ['a form post', 'application/x-www-form-urlencoded', 'reason=hate', 400],
    ['text/plain JSON', 'text/plain', '{}', 400],
    ['an unknown reason', 'application/json', '{"reason":"ugly"}', 400],
    ['an extra field', 'application/json', '{"note":"x"}', 400],
  ])('refuses %s', async (_what, type, body, status) => {
    const s = await start();
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 43)));
    const res = await fetch(`${s.url}/api/tiles/${tile.id}/flag`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    expect(res.status).toBe(status);
    expect((await json(res)).error).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers 404 for an unknown tile and 403 for a request another site made', async () => {
    const s = await start();
    expect((await flag(s.url, 12345, '203.0.113.1', client(1))).status).toBe(404);
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 44)));
    for (const [method, path] of [
      ['POST', `/api/tiles/${tile.id}/flag`],
      ['DELETE', `/api/tiles/${tile.id}`],
      ['POST', '/api/tiles'],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(s.app.service.get(tile.id as number)?.status).toBe('live');
    expect(await flagCount(s.app.safety.flags, tile.id as number)).toBe(0);
  });
});
