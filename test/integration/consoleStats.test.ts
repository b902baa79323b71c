/**
 * The console's live numbers: GET /api/admin/stats moves with uploads and refusals, and the
 * `/admin` namespace (the client's own AdminLive) pushes them, refusing a wrong token.
 */
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { AdminLive, type AdminLiveStatus } from '../../client/net/adminLive.ts';
import { ADMIN_PROTOCOL_VERSION, type AdminStats, queueMark } from '../../shared/rallies.ts';
import { wireParser } from '../../shared/wire.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { ADMIN, ADMIN_TOKEN, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

async function stats(url: string): Promise<AdminStats> {
  const res = await fetch(`${url}/api/admin/stats`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return (await res.json()) as AdminStats;
}

const sum = (s: AdminStats) => s.tilesPerMinute.reduce((n, m) => n + m.n, 0);

describe('the live numbers', () => {
  it('count tiles, rallies, refusals, latency, ingest, screens and storage', async () => {
    const s = await start();
    const before = await stats(s.url);
    expect(before.tiles).toEqual({ total: 0, perRally: {} });
    expect(before.tilesPerMinute).toHaveLength(60);
    expect(sum(before)).toBe(0);
    expect(before.refused).toEqual({});
    expect(before.queue).toEqual({ length: 0, oldestAgeMs: null, mark: queueMark([]) });
    expect(before.storage.freeBytes).toBeGreaterThan(0);
    expect(before.storage.usedBytes).toBeGreaterThan(0);

    expect((await upload(s.url, await syntheticJpeg(640, 480, 1), { event: 'london' })).status).toBe(201);
    expect((await upload(s.url, await syntheticJpeg(640, 480, 2), { event: 'london' })).status).toBe(201);
    expect((await upload(s.url, await syntheticJpeg(640, 480, 3))).status).toBe(201);
    expect((await upload(s.url, await syntheticJpeg(640, 480, 4), { event: 'London!' })).status).toBe(400);
    expect((await upload(s.url, Buffer.from('not a photo at all'))).status).toBe(415);
    await viewer(s.url, { event: 'london', role: 'screen' });
    await viewer(s.url);

    const after = await stats(s.url);
    expect(after.tiles).toEqual({ total: 3, perRally: { london: 2 } });
    expect(sum(after)).toBe(3);
    expect(after.refused).toEqual({ BAD_EVENT: 1, UNSUPPORTED_FORMAT: 1 });
    expect(after.uploadToVisibleMs.samples).toBe(3);
    expect(after.uploadToVisibleMs.p50).toBeGreaterThan(0);
    expect(after.uploadToVisibleMs.p99).toBeGreaterThanOrEqual(after.uploadToVisibleMs.p50!);
    expect(after.ingest.photosLastMinute).toBe(4);
    expect(after.ingest.msPerPhotoP50).toBeGreaterThan(0);
    expect(after.online).toEqual({
      viewers: 1,
      screens: 1,
      viewersPerRally: {},
      screensPerRally: { london: 1 },
    });
    // Counts only: nothing about any person.
    expect(JSON.stringify(after)).not.toMatch(/127\.0\.0\.1|deleteToken|phash/);
  });

  it('count the review queue and its oldest item', async () => {
    const s = await start({ MODERATION: 'pre' });
    expect((await upload(s.url, await syntheticJpeg(640, 480, 5))).status).toBe(202);
    await new Promise((r) => setTimeout(r, 20));
    const st = await stats(s.url);
    expect(st.queue.length).toBe(1);
    expect(st.queue.oldestAgeMs).toBeGreaterThan(0);

    // One leaves as one joins: the length stays, the mark moves.
    const [first] = (await (await fetch(`${s.url}/api/admin/queue`, { headers: ADMIN })).json())
      .items as Array<{ id: number }>;
    const approve = await fetch(`${s.url}/api/admin/approve`, {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ids: [first!.id] }),
    });
    expect(approve.status).toBe(200);
    const res = await upload(s.url, await syntheticJpeg(640, 480, 7));
    expect(res.status).toBe(202);
    const second = ((await res.json()) as { id: number }).id;
    const after = await stats(s.url);
    expect(after.queue.length).toBe(1);
    expect(after.queue.mark).toBe(queueMark([second]));
    expect(after.queue.mark).not.toBe(st.queue.mark);
    expect(st.queue.mark).toBe(queueMark([first!.id]));
  });

  it('refuse a request without the admin token', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/api/admin/stats`)).status).toBe(401);
  });

  it('push updates on the /admin namespace while uploads arrive, and refuse a wrong token', async () => {
    const s = await start();
    const bad = await new Promise<[AdminLiveStatus, string | undefined]>((resolve) => {
      const live = new AdminLive(
        'not-the-admin-token-00000',
        {
          stats: () => resolve(['live', 'got stats']),
          status: (st, code) => {
            if (st === 'refused') {
              live.close();
              resolve([st, code]);
            }
          },
        },
        { url: s.url },
      );
    });
    expect(bad).toEqual(['refused', 'UNAUTHORIZED']);

    const got: AdminStats[] = [];
    const live = new AdminLive(ADMIN_TOKEN, { stats: (st) => got.push(st) }, { url: s.url });
    try {
      await expect.poll(() => got.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(got[0]!.tiles.total).toBe(0);
      expect((await upload(s.url, await syntheticJpeg(640, 480, 6), { event: 'paris' })).status).toBe(201);
      await expect.poll(() => got.at(-1)?.tiles.total, { timeout: 6000 }).toBe(1);
      expect(got.at(-1)!.tiles.perRally).toEqual({ paris: 1 });
    } finally {
      live.close();
    }
  });

  it('tell a console from another build to reload, once its token is right', async () => {
    const s = await start();
    /** What the namespace answers a handshake with `auth`: the refusal's code, or `live`. */
    const answer = (auth: Record<string, unknown>) =>
      new Promise<string>((resolve) => {
        const socket = io(`${s.url}/admin`, {
          auth,
          parser: wireParser,
          transports: ['websocket'],
          reconnection: false,
        });
        socket.on('connect', () => {
          socket.close();
          resolve('live');
        });
        socket.on('connect_error', (err) => {
          socket.close();
          const data = (err as Error & { data?: { code?: string; message?: string } }).data;
          resolve(`${data?.code}: ${data?.message}`);
        });
      });
    expect(await answer({ token: ADMIN_TOKEN, v: ADMIN_PROTOCOL_VERSION })).toBe('live');
    expect(await answer({ token: ADMIN_TOKEN, v: 0 })).toBe(
      `VERSION_MISMATCH: This console speaks admin protocol 0, the server ${ADMIN_PROTOCOL_VERSION}: reload the page.`,
    );
    expect(await answer({ token: ADMIN_TOKEN })).toMatch(
      /^VERSION_MISMATCH: This console speaks admin protocol none/,
    );
    // Without the token, nothing about the build.
    expect(await answer({ token: 'not-the-admin-token-00000', v: 0 })).toBe(
      'UNAUTHORIZED: The admin token is wrong.',
    );
  });
});
