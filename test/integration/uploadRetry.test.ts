/**
 * A phone on bad mobile data loses the answer to an upload the server already stored, and
 * sends the same photo again with the same Idempotency-Key: it gets the first answer, its
 * delete link included, not "already in the mosaic".
 */
import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { json, useServers } from './safetyHelpers.ts';

const { start } = useServers();

function send(
  url: string,
  photo: Buffer,
  key?: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  return fetch(`${url}/api/tiles`, {
    method: 'POST',
    body: form,
    headers: key ? { 'idempotency-key': key } : {},
  });
}

describe('upload retries', () => {
  it('answer a retry with the same key with the first answer; another key is a new upload', async () => {
    const s = await start({ DUPLICATE_CHECK: '1' });
    const photo = await syntheticJpeg(500, 400, 71);
    const key = 'retry-key-0123456789abcdef';
    const first = await send(s.url, photo, key);
    expect(first.status).toBe(201);
    const a = await json(first);
    // The retry: same photo, same key.
    const again = await send(s.url, photo, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(a);
    expect(s.app.service.tileCount).toBe(1);
    // The replayed delete token works.
    const del = await fetch(`${s.url}/api/tiles/${a.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.deleteToken}` },
    });
    expect(del.status).toBe(204);
    // Once the tile is gone, the key answers no more: the same try is a new upload.
    const afterDelete = await send(s.url, photo, key);
    expect(afterDelete.status).toBe(201);
    expect(afterDelete.headers.get('idempotent-replayed')).toBeNull();
    const b = await json(afterDelete);
    expect(b.id).not.toBe(a.id);
    await fetch(`${s.url}/api/tiles/${b.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${b.deleteToken}` },
    });
    // Without a key, or with another, the same photo is a new upload: stored again once the
    // first is deleted, refused as a duplicate while it is there.
    const fresh = await send(s.url, photo, 'another-key-0123456789ab');
    expect(fresh.status).toBe(201);
    expect((await json(fresh)).id).not.toBe(a.id);
    const dup = await send(s.url, photo);
    expect(dup.status).toBe(409);
    expect(((await json(dup)).error as { code: string }).code).toBe('DUPLICATE_PHOTO');
  });

  it('makes one tile of two copies sent at once with one key, and keeps no failed answer', async () => {
    const s = await start({ DUPLICATE_CHECK: '1' });
    const photo = await syntheticJpeg(500, 400, 72);
    const key = 'concurrent-key-0123456789';
    const [r1, r2] = await Promise.all([send(s.url, photo, key), send(s.url, photo, key)]);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    const [b1, b2] = [await json(r1), await json(r2)];
    expect(b1).toEqual(b2);
    expect(s.app.service.tileCount).toBe(1);

    // A failed try (not an image) is not kept: the retry with the photo is processed.
    const bad = 'failed-then-fine-0123456789';
    const failed = await send(s.url, Buffer.from('not a picture at all'), bad);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.status).toBeLessThan(500);
    const ok = await send(s.url, await syntheticJpeg(500, 400, 73), bad);
    expect(ok.status).toBe(201);
    expect(s.app.service.tileCount).toBe(2);
  });

  it('refuses a malformed key with 400, and stays up', async () => {
    const s = await start();
    const photo = await syntheticJpeg(300, 300, 74);
    for (const key of ['short', 'has spaces in it 0123456789', 'x'.repeat(65)]) {
      const res = await send(s.url, photo, key);
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.error).toMatchObject({ code: 'BAD_REQUEST' });
      expect((body.error as { message: string }).message).toMatch(/Idempotency-Key/);
    }
    expect((await send(s.url, photo)).status).toBe(201);
    expect(s.app.service.tileCount).toBe(1);
  });
});
