/**
 * The organiser's rally registry: create, list and edit in the admin API, each rally's flyer,
 * `EVENTS=listed` refusing unknown codes at the upload and the screen's handshake, and a
 * rally's own moderation mode.
 */
import { PageSizes, PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import type { Rally, RallyInput, RallyList } from '../../shared/rallies.ts';
import { syntheticJpeg } from '../support/images.ts';
import { LONDON, MOSCOW as MOSCOW_RALLY } from '../support/rallies.ts';
import { upload } from '../support/server.ts';
import { refused } from './realtimeHarness.ts';
import { ADMIN, admin, json, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

/** Moscow holds its uploads for review: the rally's own moderation mode. */
const MOSCOW: RallyInput = { ...MOSCOW_RALLY, moderation: 'pre' };

async function list(url: string): Promise<Rally[]> {
  const res = await fetch(`${url}/api/admin/rallies`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return ((await res.json()) as RallyList).rallies;
}

describe('the rally registry', () => {
  it('creates, lists and edits rallies, with their links', async () => {
    const s = await start();
    expect(await list(s.url)).toEqual([]);
    const made = await admin(s.url, '/api/admin/rallies', MOSCOW);
    expect(made.status).toBe(201);
    expect((await admin(s.url, '/api/admin/rallies', LONDON)).status).toBe(201);
    const rallies = await list(s.url);
    expect(rallies.map((r) => r.code)).toEqual(['london', 'moscow']);
    expect(rallies[1]).toMatchObject({
      ...MOSCOW,
      links: { screen: '/screen?event=moscow&lang=ru', contribute: '/add?event=moscow' },
    });

    const edited = await admin(
      s.url,
      '/api/admin/rallies/london',
      { ...LONDON, city: 'Westminster', moderation: 'pre' },
      'PUT',
    );
    expect(edited.status).toBe(200);
    expect((await list(s.url))[0]).toMatchObject({ code: 'london', city: 'Westminster', moderation: 'pre' });
  });

  it("tells anyone a registered rally's name, city, day and language, and not its moderation mode", async () => {
    const s = await start();
    await admin(s.url, '/api/admin/rallies', MOSCOW);
    const res = await fetch(`${s.url}/api/rallies/moscow`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const { moderation: _, ...shown } = MOSCOW;
    expect(await res.json()).toEqual(shown);
    // Edited, it says the new city (the server's own copy is read again on every edit).
    await admin(s.url, '/api/admin/rallies/moscow', { ...MOSCOW, city: 'Санкт-Петербург' }, 'PUT');
    expect(((await json(await fetch(`${s.url}/api/rallies/moscow`))) as { city: string }).city).toBe(
      'Санкт-Петербург',
    );
    for (const code of ['Not%20a%20code', 'a'.repeat(33)]) {
      const missing = await fetch(`${s.url}/api/rallies/${code}`);
      expect(missing.status, code).toBe(404);
      expect((await json(missing)).error, code).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it.each([
    [{ ...LONDON, code: 'London' }, 'code'],
    [{ ...LONDON, timeZone: 'Europe/Atlantis' }, 'timeZone'],
    [{ ...LONDON, date: '2026-02-30' }, 'date'],
    [{ ...LONDON, language: 'it' }, 'language'],
    [{ ...LONDON, name: ' ' }, 'name'],
    [{ ...LONDON, moderation: 'later' }, 'moderation'],
  ])('refuses a bad rally (%j) naming the field', async (body, field) => {
    const s = await start();
    const res = await admin(s.url, '/api/admin/rallies', body);
    expect(res.status).toBe(400);
    const { error } = (await json(res)) as { error: { code: string; message: string } };
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(field);
  });

  it('refuses a taken code, an unknown rally to edit, and a wrong token', async () => {
    const s = await start();
    await admin(s.url, '/api/admin/rallies', LONDON);
    const again = await admin(s.url, '/api/admin/rallies', LONDON);
    expect(again.status).toBe(409);
    expect((await json(again)).error).toMatchObject({ code: 'RALLY_EXISTS' });
    expect((await admin(s.url, '/api/admin/rallies/paris', { ...LONDON, code: 'paris' }, 'PUT')).status).toBe(
      404,
    );
    const anon = await fetch(`${s.url}/api/admin/rallies`, {
      headers: { authorization: 'Bearer wrong-token-0000000000' },
    });
    expect(anon.status).toBe(401);
  });

  it.each([
    ['A4', PageSizes.A4],
    ['A3', PageSizes.A3],
  ] as const)('prints a %s flyer that pdf-lib reads back', async (size, [w, h]) => {
    const s = await start();
    await admin(s.url, '/api/admin/rallies', MOSCOW);
    const res = await fetch(`${s.url}/api/rallies/moscow/flyer.pdf?size=${size}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const doc = await PDFDocument.load(new Uint8Array(await res.arrayBuffer()));
    expect(doc.getPageCount()).toBe(1);
    const page = doc.getPage(0);
    expect([Math.round(page.getWidth()), Math.round(page.getHeight())]).toEqual([
      Math.round(w),
      Math.round(h),
    ]);
    expect(doc.getTitle()).toContain('#kiss4lgbtqrights');
    expect((await fetch(`${s.url}/api/rallies/paris/flyer.pdf`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/rallies/moscow/flyer.pdf?size=A5`)).status).toBe(400);
  });

  it('listed mode refuses unknown codes at the upload and the screen, and takes registered ones', async () => {
    const s = await start({ EVENTS: 'listed' });
    const up = await upload(s.url, await syntheticJpeg(640, 480, 1), { event: 'paris' });
    expect(up.status).toBe(400);
    expect((await json(up)).error).toMatchObject({ code: 'UNKNOWN_EVENT' });
    const screen = await refused(s.url, { v: PROTOCOL_VERSION, event: 'paris' });
    expect(screen.code).toBe(ErrorCode.UNKNOWN_EVENT);
    // Asked by the contribute page as it opens, the rally says the same before any photo is sent.
    const asked = await fetch(`${s.url}/api/rallies/paris`);
    expect(asked.status).toBe(404);
    expect((await json(asked)).error).toMatchObject({ code: 'UNKNOWN_EVENT' });
    expect((await json(await fetch(`${s.url}/api/rallies/Paris!`))).error).toMatchObject({
      code: 'NOT_FOUND',
    });

    // Registered while the server runs: taken at once, no restart.
    await admin(s.url, '/api/admin/rallies', { ...LONDON, code: 'paris', city: 'Paris' });
    expect((await upload(s.url, await syntheticJpeg(640, 480, 2), { event: 'paris' })).status).toBe(201);
    const v = await viewer(s.url, { event: 'paris' });
    expect(v.synced.length).toBe(1);
    // No rally at all is still fine.
    expect((await upload(s.url, await syntheticJpeg(640, 480, 3))).status).toBe(201);
    expect(s.app.service.tileCount).toBe(2);
  });

  it('open mode still takes any well-formed code', async () => {
    const s = await start();
    expect((await upload(s.url, await syntheticJpeg(640, 480, 4), { event: 'lisbon' })).status).toBe(201);
    // Not registered, and not refused: no error (a browser would log one), and the pages show its code.
    const free = await fetch(`${s.url}/api/rallies/lisbon`);
    expect(free.status).toBe(204);
    expect(await free.text()).toBe('');
  });

  it("holds a rally's uploads for review when it has moderation of its own", async () => {
    const s = await start();
    await admin(s.url, '/api/admin/rallies', MOSCOW);
    const held = await upload(s.url, await syntheticJpeg(640, 480, 5), { event: 'moscow' });
    expect(held.status).toBe(202);
    expect((await json(held)).status).toBe('pending');
    expect((await upload(s.url, await syntheticJpeg(640, 480, 6), { event: 'london' })).status).toBe(201);
    expect(s.app.service.tileCount).toBe(1);
  });
});
