import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { runImportCli, writeTree } from '../support/importCli.ts';
import {
  listFiles,
  removeDir,
  startServer,
  type TestServer,
  tempDataDir,
  upload,
  uploadWithKey,
} from '../support/server.ts';
import { ADMIN_TOKEN } from './safetyHelpers.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures', name));

describe('a commit the disk cannot keep', () => {
  const dataDir = tempDataDir();
  let server: TestServer | null = null;
  afterAll(async () => {
    await server?.close();
    removeDir(dataDir);
  });

  it('answers 503 STORAGE_FAILED, stores nothing more, and the server stays up', async () => {
    const first = await startServer({ ADMIN_TOKEN }, dataDir);
    const a = await upload(first.url, fixture('hubble-small.jpg'));
    expect(a.status).toBe(201);
    const { id } = (await a.json()) as { id: number };
    const working = await fetch(`${first.url}/api/admin/stats`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await working.json()) as { storage: { failed: boolean } }).storage.failed).toBe(false);
    await first.close();

    // Opened again: the stored mosaic needs no commit at start-up, so its journal is not synced
    // yet. The journal then goes from under the server (a cleaner, a failing disk): no fsync can
    // make a commit durable any more.
    server = await startServer({ ADMIN_TOKEN }, dataDir);
    const wal = join(dataDir, 'mosaic.db-wal');
    expect(existsSync(wal)).toBe(true);
    unlinkSync(wal);

    const key = 'journal-lost-0123456789abcdef';
    const b = await uploadWithKey(server.url, fixture('rocket-3mp.jpg'), key);
    expect(b.status).toBe(503);
    expect(b.headers.get('retry-after')).toBe('300');
    const body = (await b.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('STORAGE_FAILED');
    expect(body.error.message).toMatch(/disk reported an error/);
    const files = listFiles(join(dataDir, 'tiles')).length;

    // From then on nothing is committed, and the photo's files do not stay behind.
    const c = await upload(server.url, fixture('astronaut-orient6-gps.jpg'));
    expect(c.status).toBe(503);
    expect(((await c.json()) as { error: { code: string } }).error.code).toBe('STORAGE_FAILED');
    expect(listFiles(join(dataDir, 'tiles'))).toHaveLength(files);

    // The console's figures say so.
    const stats = await fetch(`${server.url}/api/admin/stats`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await stats.json()) as { storage: { failed: boolean } }).storage.failed).toBe(true);

    // Still serving what it has.
    const info = await fetch(`${server.url}/api/mosaic`);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { tileCount: number }).tileCount).toBe(2);
    expect((await fetch(`${server.url}/tiles/${id}/512.webp`)).status).toBe(200);

    // The same photo again with its key: the tile it finds may be the one the disk lost, so it
    // is not promised as kept (no answer with a delete link while the disk fails).
    const retry = await uploadWithKey(server.url, fixture('rocket-3mp.jpg'), key);
    expect(retry.status).toBe(503);
    expect(((await retry.json()) as { error: { code: string } }).error.code).toBe('STORAGE_FAILED');

    // The import command stops at the first such answer and says why, rather than sending
    // every file again and again.
    const folder = join(dataDir, 'to-import');
    writeTree(folder, {
      'a.jpg': await syntheticJpeg(400, 400, 31),
      'b.jpg': await syntheticJpeg(400, 400, 32),
      'c.jpg': await syntheticJpeg(400, 400, 33),
    });
    const run = await runImportCli([
      folder,
      '--server',
      server.url,
      '--token',
      ADMIN_TOKEN,
      '--concurrency',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/Stopped early: STORAGE_FAILED: The server's disk reported an error/);
  });

  it('after a restart, the retry with the same key gets one tile and a delete link that works', async () => {
    await server?.close();
    server = await startServer({ ADMIN_TOKEN }, dataDir);
    const count = async () =>
      ((await (await fetch(`${server!.url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;
    const before = await count();
    const retry = await uploadWithKey(server.url, fixture('rocket-3mp.jpg'), 'journal-lost-0123456789abcdef');
    expect(retry.status).toBe(201);
    const { id, deleteToken } = (await retry.json()) as { id: number; deleteToken: string };
    // Either the disk kept the first try's tile (that one, replayed) or it did not (stored now).
    const replayed = retry.headers.get('idempotent-replayed') === 'true';
    expect(await count()).toBe(replayed ? before : before + 1);
    const del = await fetch(`${server.url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${deleteToken}` },
    });
    expect(del.status).toBe(204);
    expect(await count()).toBe(replayed ? before - 1 : before);
  });
});
