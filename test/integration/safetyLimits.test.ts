import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { admin, json, PHOTOS, useServers } from './safetyHelpers.ts';

const { start } = useServers();

/** An upload as a browser behind one trusted proxy at `ip`, with the add page's X-Client-Id when given. */
async function uploadFrom(url: string, ip: string, photo: Buffer, clientId?: string): Promise<Response> {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const headers: Record<string, string> = { 'x-forwarded-for': ip };
  if (clientId) headers['x-client-id'] = clientId;
  return fetch(`${url}/api/tiles`, { method: 'POST', body: form, headers });
}

const message = async (res: Response) => ((await json(res)).error as { message: string }).message;

afterEach(() => {
  vi.useRealTimers();
});

describe('upload rate limits', () => {
  it('trip at N+1 with 429, Retry-After and the error body, per address (IPv6 by /56), and recover', async () => {
    // Only Date is faked: express-rate-limit's windows run on Date.now(); sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2026-04-01T12:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await start({ UPLOAD_RATE_LIMIT: '3', UPLOAD_DAILY_LIMIT: '100', TRUST_PROXY_HOPS: '1' });
    const photo = await syntheticJpeg(400, 300, 51);
    for (let i = 0; i < 3; i++) expect((await uploadFrom(s.url, '203.0.113.9', photo)).status).toBe(201);
    const refused = await uploadFrom(s.url, '203.0.113.9', photo);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    const body = await json(refused);
    expect(body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect((body.error as { message: string }).message).toMatch(/3 photos a minute.*60 seconds/);
    expect(s.app.service.tileCount).toBe(3);

    // Another network is not affected; one IPv6 /56 is one client.
    expect((await uploadFrom(s.url, '198.51.100.1', photo)).status).toBe(201);
    for (const ip of ['2001:db8:aa:1::1', '2001:db8:aa:1::2', '2001:db8:aa:2::5'])
      expect((await uploadFrom(s.url, ip, photo)).status).toBe(201);
    expect((await uploadFrom(s.url, '2001:db8:aa:ff::7', photo)).status).toBe(429);
    expect((await uploadFrom(s.url, '2001:db8:ab::1', photo)).status).toBe(201);

    vi.setSystemTime(t0 + 30_000);
    const later = await uploadFrom(s.url, '203.0.113.9', photo);
    expect(later.status).toBe(429);
    expect(later.headers.get('retry-after')).toBe('30');
    vi.setSystemTime(t0 + 61_000);
    expect((await uploadFrom(s.url, '203.0.113.9', photo)).status).toBe(201);
  });

  it('give each browser behind one address its own budget, under a larger one for the address (a rally on one Wi-Fi)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2026-04-01T12:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await start({ UPLOAD_RATE_LIMIT: '2', UPLOAD_NETWORK_RATE_LIMIT: '5', TRUST_PROXY_HOPS: '1' });
    const photo = await syntheticJpeg(400, 300, 53);
    const venue = '203.0.113.50';
    const [a, b, c, d] = [
      'aaaaaaaaaaaaaaaaaaaaaa',
      'bbbbbbbbbbbbbbbbbbbbbb',
      'cccccccccccccccccccccc',
      'dddddddddddddddddddddd',
    ];
    // Two phones on the venue's Wi-Fi, two photos each: all in, though one address sent four.
    for (const id of [a, b])
      for (let i = 0; i < 2; i++) expect((await uploadFrom(s.url, venue, photo, id)).status).toBe(201);
    // A third from the first phone is over its own limit; the venue's budget is not spent on it.
    const third = await uploadFrom(s.url, venue, photo, a);
    expect(third.status).toBe(429);
    expect(await message(third)).toMatch(/this device: at most 2 photos a minute/);
    expect((await uploadFrom(s.url, venue, photo, c)).status).toBe(201);
    // Five from the venue this minute: a fourth phone, and a client without an id, wait for the next.
    const fourth = await uploadFrom(s.url, venue, photo, d);
    expect(fourth.status).toBe(429);
    expect(await message(fourth)).toMatch(/your network: at most 5 photos a minute/);
    expect((await uploadFrom(s.url, venue, photo)).status).toBe(429);
    expect(s.app.service.tileCount).toBe(5);
    // Another network has its own budget; a phone's own limit goes with it.
    expect((await uploadFrom(s.url, '198.51.100.7', photo, d)).status).toBe(201);
    expect((await uploadFrom(s.url, '198.51.100.7', photo, a)).status).toBe(429);
    vi.setSystemTime(t0 + 61_000);
    expect((await uploadFrom(s.url, venue, photo, a)).status).toBe(201);
  });

  it('has a daily limit too; UPLOAD_RATE_LIMIT=0 turns both off', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = new Date('2026-04-01T12:00:00Z').getTime();
    vi.setSystemTime(t0);
    const s = await start({ UPLOAD_RATE_LIMIT: '100', UPLOAD_DAILY_LIMIT: '2' });
    const photo = await syntheticJpeg(400, 300, 52);
    for (let i = 0; i < 2; i++) expect((await upload(s.url, photo)).status).toBe(201);
    const refused = await upload(s.url, photo);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(24 * 3600);
    expect(((await json(refused)).error as { message: string }).message).toMatch(/2 photos a day/);
    vi.setSystemTime(t0 + 24 * 3600_000 + 1000);
    expect((await upload(s.url, photo)).status).toBe(201);

    // The address's daily budget holds whatever ids its browsers send.
    const net = await start({
      UPLOAD_RATE_LIMIT: '100',
      UPLOAD_NETWORK_DAILY_LIMIT: '3',
      TRUST_PROXY_HOPS: '1',
    });
    for (let i = 0; i < 3; i++)
      expect((await uploadFrom(net.url, '203.0.113.60', photo, `browser-number-${i}-xxxxxx`)).status).toBe(
        201,
      );
    const over = await uploadFrom(net.url, '203.0.113.60', photo, 'browser-number-3-xxxxxx');
    expect(over.status).toBe(429);
    expect(await message(over)).toMatch(/your network: at most 3 photos a day/);

    const off = await start({ UPLOAD_RATE_LIMIT: '0', UPLOAD_DAILY_LIMIT: '1' });
    for (let i = 0; i < 3; i++) expect((await upload(off.url, photo)).status).toBe(201);
  });
});

describe('duplicate photos', () => {
  const variants: [string, (b: Buffer) => Promise<Buffer>][] = [
    ['resized to 60%', (b) => sharp(b).resize({ width: 600 }).jpeg({ quality: 85 }).toBuffer()],
    ['re-compressed at quality 35', (b) => sharp(b).jpeg({ quality: 35 }).toBuffer()],
    ['as WebP', (b) => sharp(b).webp({ quality: 60 }).toBuffer()],
    [
      'resized to 400 px and re-compressed',
      (b) => sharp(b).resize(400, 400, { fit: 'inside' }).jpeg({ quality: 50 }).toBuffer(),
    ],
  ];

  it('refuses a resized or re-compressed copy with 409, accepts other photos, and forgets a deleted one', async () => {
    const s = await start({ DUPLICATE_CHECK: '1' });
    const first = await upload(s.url, PHOTOS[0]!);
    expect(first.status).toBe(201);
    const tile = await json(first);
    for (const [what, make] of variants) {
      const copy = await make(PHOTOS[0]!);
      const res = await upload(s.url, copy, {}, 'copy.img', what === 'as WebP' ? 'image/webp' : 'image/jpeg');
      expect(res.status, what).toBe(409);
      const body = await json(res);
      expect(body.error).toMatchObject({ code: 'DUPLICATE_PHOTO' });
      expect((body.error as { message: string }).message).toMatch(/already in the mosaic/);
    }
    expect(s.app.service.tileCount).toBe(1);
    for (const other of PHOTOS.slice(1)) expect((await upload(s.url, other)).status).toBe(201);

    const del = await fetch(`${s.url}/api/tiles/${tile.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tile.deleteToken}` },
    });
    expect(del.status).toBe(204);
    expect((await upload(s.url, await variants[0]![1](PHOTOS[0]!))).status).toBe(201);
  });

  it('lets only one of two copies sent at once in', async () => {
    const s = await start({ DUPLICATE_CHECK: '1' });
    const copy = await sharp(PHOTOS[1]!).jpeg({ quality: 70 }).toBuffer();
    const statuses = (await Promise.all([upload(s.url, PHOTOS[1]!), upload(s.url, copy)])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([201, 409]);
  });

  it('counts a tile waiting for review, and frees a rejected one', async () => {
    const s = await start({ DUPLICATE_CHECK: '1', MODERATION: 'pre' });
    const waiting = await json(await upload(s.url, PHOTOS[2]!));
    expect((await upload(s.url, PHOTOS[2]!)).status).toBe(409);
    expect((await admin(s.url, '/api/admin/reject', { ids: [waiting.id] })).status).toBe(200);
    expect((await upload(s.url, PHOTOS[2]!)).status).toBe(202);
  });

  it('is off with DUPLICATE_CHECK=0, which still stores the hash', async () => {
    const s = await start({ DUPLICATE_CHECK: '0' });
    const a = await json(await upload(s.url, PHOTOS[0]!));
    const b = await upload(s.url, PHOTOS[0]!);
    expect(b.status).toBe(201);
    expect(s.app.service.get(a.id as number)?.phash).toMatch(/^[0-9a-f]{16}$/);
  });
});
