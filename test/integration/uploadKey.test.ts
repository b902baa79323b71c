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

  it('takes out what an upload with the key stored (DELETE /api/tiles/by-key), waiting for one in flight', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const s = await start(dataDir);
    const withdraw = (key?: string) =>
      fetch(`${s.url}/api/tiles/by-key`, {
        method: 'DELETE',
        headers: key ? { 'Idempotency-Key': key } : {},
      });
    const noKey = await withdraw();
    expect(noKey.status).toBe(400);
    expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect((await withdraw('never-used-key-000000000001')).status).toBe(404);

    // Asked while the upload is still being processed: it is taken out once stored, not missed.
    const key = 'withdrawn-key-0000000000001';
    // A large photo, so that its ingest is still running when the withdrawal arrives.
    const sending = send(s.url, await syntheticJpeg(4000, 3000, 4545), key);
    await new Promise((r) => setTimeout(r, 60));
    const out = await withdraw(key);
    const first = await sending;
    expect(first.res.status).toBe(201);
    expect(out.status).toBe(204);
    expect(await tileCount(s.url)).toBe(0);
    expect((await fetch(`${s.url}/tiles/${first.body.id}/512.webp`)).status).toBe(404);
    // Done already: nothing more to take out.
    expect((await withdraw(key)).status).toBe(404);
  });
});
