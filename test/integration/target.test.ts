import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, startServer, type TestServer, tempDataDir, upload } from '../support/server.ts';

describe('target picture and growth', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) removeDir(d);
  });

  it('takes any PNG as MOSAIC_TARGET and serves it at the grid aspect', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const png = join(dir, 'target.png');
    // Left half red, right half blue.
    const px = Buffer.alloc(200 * 100 * 3);
    for (let i = 0; i < 200 * 100; i++) px.set(i % 200 < 100 ? [255, 0, 0] : [0, 0, 255], i * 3);
    writeFileSync(
      png,
      await sharp(px, { raw: { width: 200, height: 100, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const s = await startServer(
      { MOSAIC_TARGET: png, MOSAIC_COLS: '8', MOSAIC_ROWS: '4' },
      join(dir, 'data'),
    );
    servers.push(s);
    const t = Buffer.from(await (await fetch(`${s.url}/api/mosaic/target.png`)).arrayBuffer());
    const meta = await sharp(t).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(2, 1);
    const { data } = await sharp(t)
      .resize(2, 1, { kernel: 'nearest' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200);
    expect(data[5]).toBeGreaterThan(200);
  });

  it('refuses an unreadable MOSAIC_TARGET with a clear message', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const bad = join(dir, 'target.png');
    writeFileSync(bad, 'not an image');
    await expect(createApp({ config: readConfig({ DATA_DIR: dir, MOSAIC_TARGET: bad }) })).rejects.toThrow(
      /MOSAIC_TARGET/,
    );
  });

  it('grows to twice the columns and rows when full, keeping every tile', async () => {
    const s = await startServer({ MOSAIC_COLS: '2', MOSAIC_ROWS: '2' });
    servers.push(s);
    dirs.push(s.dataDir);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await upload(s.url, await syntheticJpeg(500, 400, i + 40));
      expect(r.status).toBe(201);
      ids.push((await r.json()).id);
    }
    const info = await (await fetch(`${s.url}/api/mosaic`)).json();
    expect([info.cols, info.rows, info.tileCount]).toEqual([4, 4, 5]);
    const cells = new Set<string>();
    for (const id of ids) {
      const rec = await (await fetch(`${s.url}/api/tiles/${id}`)).json();
      expect(rec.col).toBeLessThan(4);
      expect(rec.row).toBeLessThan(4);
      cells.add(`${rec.col},${rec.row}`);
    }
    expect(cells.size).toBe(5);
  });
});
