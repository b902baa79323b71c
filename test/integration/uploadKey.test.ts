import { afterEach, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, startServer, type TestServer, tempDataDir, uploadWithKey } from '../support/server.ts';

/** POST /api/tiles the way the contribute page does: the photo and its Idempotency-Key. */
async function send(url: string, photo: Buffer, key: string) {
  const res = await uploadWithKey(url, photo, key);
  return { res, body: (await res.json()) as Record<string, unknown> & { id: number; deleteToken: string } };
}

const tileCount = async (url: string) =>
  ((await (await fetch(`${url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

describe('a retry with the same Idempotency-Key after the kept answers are gone', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });
  const start = async (dataDir: string, env: Record<string, string> = {}) => {
    const s = await startServer({ DUPLICATE_CHECK: '1', ...env }, dataDir);
    servers.push(s);
    return s;
  };
  const restart = async (s: TestServer, env: Record<string, string> = {}) => {
    servers.splice(servers.indexOf(s), 1);
    await s.close();
    return start(s.dataDir, env);
  };

  it('gets its tile and the same delete token back, even after a restart, and nothing is stored twice', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const photo = await syntheticJpeg(640, 480, 4242);
    const key = 'late-retry-key-000000000001';
    let s = await start(dataDir);
    const first = await send(s.url, photo, key);
    expect(first.res.status).toBe(201);

    // A server restarted since keeps no answer in memory; the phone sends the kiss it kept.
    s = await restart(s);
    const again = await send(s.url, photo, key);
    expect(again.res.status).toBe(201);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ id: first.body.id, deleteToken: first.body.deleteToken });
    expect(again.body.col).toBe(first.body.col);
    expect(await tileCount(s.url)).toBe(1);

    // Another key with the same photo is still a duplicate.
    const other = await send(s.url, photo, 'another-key-0000000000001');
    expect(other.res.status).toBe(409);
    expect((other.body as { error?: { code: string } }).error?.code).toBe('DUPLICATE_PHOTO');

    // The token works, and once the tile is gone the key stores the photo anew.
    const del = await fetch(`${s.url}/api/tiles/${first.body.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${again.body.deleteToken}` },
    });
    expect(del.status).toBe(204);
    const fresh = await send(s.url, photo, key);
    expect(fresh.res.status).toBe(201);
    expect(fresh.res.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.id).not.toBe(first.body.id);
    expect(await tileCount(s.url)).toBe(1);
  });

  it('answers a tile waiting for review as it was answered', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const photo = await syntheticJpeg(640, 480, 4343);
    const key = 'late-retry-key-000000000002';
    let s = await start(dataDir, { MODERATION: 'pre' });
    const first = await send(s.url, photo, key);
    expect(first.res.status).toBe(202);
    s = await restart(s, { MODERATION: 'pre' });
    const again = await send(s.url, photo, key);
    expect(again.res.status).toBe(202);
    expect(again.body).toEqual({ id: first.body.id, status: 'pending', deleteToken: first.body.deleteToken });
  });
});
