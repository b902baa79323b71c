/**
 * One rule for rally codes (shared/rally.ts) at every server edge: the upload form, the admin
 * takedown, the live handshake and `event:join` all take exactly the canonical codes.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, type Reply } from '../../shared/protocol.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { refused } from './realtimeHarness.ts';
import { admin, json, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

/** Refused at every edge: not canonical, even the ones a page would normalise. */
const NOT_CODES = ['london-', '-london', 'London', ' london', 'a b', 'x'.repeat(33), '<script>'];

describe('rally codes at every edge', () => {
  it('accept a canonical code everywhere: upload, live follow, takedown', async () => {
    const s = await start();
    const up = await upload(s.url, await syntheticJpeg(640, 480, 1), { event: 'sao-paulo' });
    expect(up.status).toBe(201);
    const { id } = (await up.json()) as { id: number };
    expect(((await json(await fetch(`${s.url}/api/tiles/${id}`))) as { event: string }).event).toBe(
      'sao-paulo',
    );
    const v = await viewer(s.url, { event: 'sao-paulo' });
    expect(v.synced[0]?.event).toBe('sao-paulo');
    const joined: Reply<unknown> = await v.socket.emitWithAck('event:join', 'sao-paulo');
    expect(joined).toMatchObject({ ok: true, data: { event: 'sao-paulo', tiles: 1 } });
    const down = await admin(s.url, '/api/admin/takedown', { event: 'sao-paulo' });
    expect(down.status).toBe(200);
    expect((await json(down)).removed).toEqual([id]);
  });

  it.each(NOT_CODES)('refuse %j everywhere', async (code) => {
    const s = await start();
    const up = await upload(s.url, await syntheticJpeg(640, 480, 2), { event: code });
    expect(up.status).toBe(400);
    expect((await json(up)).error).toMatchObject({ code: 'BAD_EVENT' });
    expect(s.app.service.tileCount).toBe(0);

    const down = await admin(s.url, '/api/admin/takedown', { event: code });
    expect(down.status).toBe(400);
    expect((await json(down)).error).toMatchObject({ code: 'BAD_REQUEST' });

    expect(await refused(s.url, { v: 1, event: code })).toMatchObject({ code: ErrorCode.MALFORMED });
    const v = await viewer(s.url);
    const joined: Reply<unknown> = await v.socket.emitWithAck('event:join', code);
    expect(joined).toMatchObject({ ok: false, error: { code: ErrorCode.MALFORMED } });
  });
});
