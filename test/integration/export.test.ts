import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { renderExport } from '../../server/ingest/compose.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { Target } from '../../server/ingest/target.ts';
import { MemoryStore } from '../../server/store/MemoryStore.ts';
import { meanAbsDiff, syntheticJpeg } from '../support/images.ts';

const COLS = 40;
const ROWS = 32;
const N = 1200;

async function cellMean(png: Buffer, col: number, row: number, px: number) {
  const { data } = await sharp(png)
    .extract({ left: col * px + 4, top: row * px + 4, width: px - 8, height: px - 8 })
    .resize(1, 1, { kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [data[0]!, data[1]!, data[2]!];
}

describe('export of a mosaic with 1,000+ tiles', () => {
  let app: App;
  let url: string;
  const logs: string[] = [];
  const log = console.log;
  beforeAll(async () => {
    const config = readConfig({
      MOSAIC_COLS: String(COLS),
      MOSAIC_ROWS: String(ROWS),
      DATA_DIR: '/nonexistent-memory-store',
    });
    app = await createApp({ config, store: new MemoryStore() });
    url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
    const photos = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => ingestPhoto(await syntheticJpeg(400, 300, i * 7 + 1))),
    );
    for (let i = 0; i < N; i++)
      await app.service.add(photos[i % photos.length]!, { event: null, phash: null });
    console.log = (...a: unknown[]) => {
      logs.push(a.join(' '));
    };
  }, 120_000);
  afterAll(async () => {
    console.log = log;
    await app.close();
  });

  it('renders every tile, tinted, at its cell, empty cells as the dimmed target, with progress logs', async () => {
    const res = await fetch(`${url}/api/mosaic/export.png?width=${COLS * 32}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([COLS * 32, ROWS * 32]);

    const placements = app.service.placements();
    expect(placements.length).toBe(N);
    for (const p of placements.slice(0, 40)) {
      const tile = await app.service.readFile(p.id, 32);
      const { data } = await sharp(tile!)
        .extract({ left: 4, top: 4, width: 24, height: 24 })
        .resize(1, 1, { kernel: 'cubic' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      const expected = [data[0]! + p.tint.r, data[1]! + p.tint.g, data[2]! + p.tint.b].map((v) =>
        Math.max(0, Math.min(255, v)),
      );
      const got = await cellMean(png, p.col, p.row, 32);
      for (let k = 0; k < 3; k++)
        expect(Math.abs(got[k]! - expected[k]!), `tile ${p.id} channel ${k}`).toBeLessThan(10);
    }
    const taken = new Set(placements.map((p) => p.row * COLS + p.col));
    const empty = Array.from({ length: COLS * ROWS }, (_, i) => i).filter((i) => !taken.has(i));
    expect(empty.length).toBe(COLS * ROWS - N);
    const target = await (await Target.open(readConfig({}).targetPath)).raster(COLS * 32, ROWS * 32);
    const targetPng = await sharp(target.data, {
      raw: { width: target.width, height: target.height, channels: 3 },
    })
      .png()
      .toBuffer();
    for (const i of empty.slice(0, 20)) {
      const col = i % COLS;
      const row = Math.floor(i / COLS);
      const got = await cellMean(png, col, row, 32);
      const t = await cellMean(targetPng, col, row, 32);
      for (let k = 0; k < 3; k++) expect(Math.abs(got[k]! - t[k]! * 0.4)).toBeLessThan(6);
    }
    expect(logs.some((l) => /export: 50% \(\d+\/1200 tiles/.test(l))).toBe(true);
    expect(logs.some((l) => /export: 100%/.test(l))).toBe(true);
  });

  it.each([
    [32, 3],
    [8, 4],
    [5, 4],
  ])(
    'draws tiles at %i px per cell from their stored raw pixels (area-averaged below 32), without a decode, close to the decoded picture',
    async (px, meanDiff) => {
      const reads = vi.spyOn(app.service, 'readFile');
      const raws = vi.spyOn(app.service, 'readRgb32');
      const res = await fetch(`${url}/api/mosaic/export.png?width=${COLS * px}`);
      expect(res.status).toBe(200);
      expect(raws).toHaveBeenCalledTimes(N);
      expect(reads).not.toHaveBeenCalled();
      vi.restoreAllMocks();
      // The same export with every tile decoded from its 32 px WebP: the same picture within its loss.
      const decoded = await renderExport({
        cols: COLS,
        rows: ROWS,
        tilePx: px,
        tiles: app.service.placements(),
        read: (id, size) => app.service.readFile(id, size),
        target: await Target.open(readConfig({}).targetPath),
      });
      const [a, b] = (await Promise.all(
        [Buffer.from(await res.arrayBuffer()), decoded].map((png) => sharp(png).raw().toBuffer()),
      )) as [Buffer, Buffer];
      expect(a.length).toBe(COLS * px * ROWS * px * 3);
      expect(meanAbsDiff(a, b)).toBeLessThan(meanDiff);
      expect(a.equals(b)).toBe(false);
    },
  );

  it('refuses a bad width with 400 BAD_WIDTH', async () => {
    for (const w of ['abc', '5', '99999', '12.5']) {
      const r = await fetch(`${url}/api/mosaic/export.png?width=${w}`);
      expect(r.status).toBe(400);
      expect((await r.json()).error.code).toBe('BAD_WIDTH');
    }
  });

  it('serves tinted 16x16 atlases and re-renders a block after a change in it', async () => {
    const a = await fetch(`${url}/api/atlas/0/0.webp`);
    expect(a.status).toBe(200);
    const meta = await sharp(Buffer.from(await a.arrayBuffer())).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([512, 512, 4]);
    await fetch(`${url}/api/atlas/1/1.webp`);
    const atlases = app.service;
    const victim = atlases.placements().find((p) => p.col < 16 && p.row < 16)!;
    await app.service.remove(victim.id);
    expect((await fetch(`${url}/api/atlas/9/9.webp`)).status).toBe(404);
    // Block (0,0) held the removed tile; block (1,1) did not, unless the tile sat there.
    const r00 = await fetch(`${url}/api/atlas/0/0.webp`);
    const img = await sharp(Buffer.from(await r00.arrayBuffer()))
      .extract({ left: victim.col * 32 + 8, top: victim.row * 32 + 8, width: 16, height: 16 })
      .raw()
      .toBuffer();
    let alpha = 0;
    for (let i = 3; i < img.length; i += 4) alpha = Math.max(alpha, img[i]!);
    expect(alpha).toBe(0);
  });
});
