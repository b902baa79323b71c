import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { bootServer, removeDir, startServer, tempDataDir, upload } from '../support/server.ts';

const boot = (dataDir: string) => bootServer(dataDir, { MOSAIC_COLS: '6', MOSAIC_ROWS: '6' });

describe('durability', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDir(dataDir));

  it('kill -9 while uploads are in flight loses no acknowledged tile and leaves no half-written one', async () => {
    const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => syntheticJpeg(900, 700, i + 1)));
    const acked: { id: number; col: number; row: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const { child, url, exited } = await boot(dataDir);
      let stop = false;
      const workers = [0, 1, 2].map(async (w) => {
        for (let i = 0; !stop; i++) {
          try {
            const r = await upload(url, photos[(i * 3 + w) % photos.length]!);
            if (r.status === 201) acked.push(await r.json());
          } catch {
            return; // the server died mid-request: that upload was never acknowledged
          }
        }
      });
      await new Promise((r) => setTimeout(r, 700 + round * 300));
      child.kill('SIGKILL');
      stop = true;
      await Promise.all(workers);
      await exited;
    }
    expect(acked.length).toBeGreaterThan(3);

    // Restart: start-up sweeps orphans; every acknowledged tile is there, whole.
    const { child, url } = await boot(dataDir);
    try {
      const info = await (await fetch(`${url}/api/mosaic`)).json();
      for (const t of acked) {
        const r = await fetch(`${url}/api/tiles/${t.id}`);
        expect(r.status, `tile ${t.id}`).toBe(200);
        for (const size of [32, 128, 512])
          expect((await fetch(`${url}/tiles/${t.id}/${size}.webp`)).status).toBe(200);
      }
      const db = new Database(join(dataDir, 'mosaic.db'), { readonly: true });
      const ids = new Set(db.prepare('SELECT id FROM tiles').pluck().all() as number[]);
      db.close();
      expect(info.tileCount).toBe(ids.size);
      const onDisk: number[] = [];
      for (const shard of readdirSync(join(dataDir, 'tiles'))) {
        for (const name of readdirSync(join(dataDir, 'tiles', shard))) {
          // One file per stored tile, and no temp file of a write the kill cut short.
          expect(name).toMatch(/^\d+\.tile$/);
          onDisk.push(Number.parseInt(name, 10));
        }
      }
      expect(onDisk.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('stops once when told twice (Ctrl-C pressed again while it stops), and starts again from what it kept', async () => {
    const dir = tempDataDir();
    const errors = vi.spyOn(console, 'error');
    try {
      const first = await startServer({}, dir);
      for (const seed of [41, 42])
        expect((await upload(first.url, await syntheticJpeg(400, 300, seed))).status).toBe(201);
      // Told again while it stops, and once more after: the same stop, not a second one on closed parts.
      await Promise.all([first.close(), first.close()]);
      await first.close();
      expect(errors).not.toHaveBeenCalled();
      const again = await startServer({}, dir);
      expect(again.app.mosaic.tileCount).toBe(2);
      await again.close();
    } finally {
      errors.mockRestore();
      removeDir(dir);
    }
  });
});
