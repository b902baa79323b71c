/**
 * A contributor to a big mosaic (past the 100,000 tiles above which the contribute page
 * does not download the whole mosaic) still sees where the new tile landed: the atlas
 * blocks around it, the tile ringed. The server is seeded with 100,001 real tiles by the
 * seed script (real engine, real rows, real WebP files).
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { tempDataDir } from '../support/server.ts';
import { contribute, type E2EServer, launchBrowser, startE2EServer } from './harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  const dataDir = tempDataDir();
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/seed.ts'), '--tiles', '100001', '--data', dataDir],
    { cwd: ROOT, stdio: 'ignore' },
  );
  server = await startE2EServer({}, dataDir);
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the contribute page of a big mosaic', () => {
  it('shows the new tile ringed among its neighbours from a few atlas blocks, without the whole mosaic', async () => {
    const info = await (await fetch(`${server.url}/api/mosaic`)).json();
    expect(info.tileCount).toBeGreaterThan(100_000);
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await contribute(page, server.url, await syntheticJpeg(600, 600, 4242));
    await page.waitForSelector('#mini-board canvas.neighbourhood', { timeout: 20_000 });
    const id = Number((await page.locator('#see').getAttribute('href'))!.split('/').pop());
    const tile = await (await fetch(`${server.url}/api/tiles/${id}`)).json();

    // Four atlas blocks at most, around the tile's cell, and the target (a pixel a cell);
    // never the snapshot or a socket.
    expect(asked).toContain('/api/mosaic/target.png');
    const atlases = asked.filter((p) => p.startsWith('/api/atlas/'));
    expect(atlases.length).toBeGreaterThan(0);
    expect(atlases.length).toBeLessThanOrEqual(4);
    for (const p of atlases) {
      const [, , , ax, file] = p.split('/');
      expect(Math.abs(Number(ax) * 16 + 8 - tile.col)).toBeLessThanOrEqual(24);
      expect(Math.abs(Number.parseInt(file!, 10) * 16 + 8 - tile.row)).toBeLessThanOrEqual(24);
    }
    expect(asked.filter((p) => p === '/api/mosaic/snapshot' || p.startsWith('/socket.io'))).toEqual([]);

    // The picture: mostly tiles (not the empty background), and the ring drawn in the
    // campaign's pink on all four sides of where the canvas says it is.
    const stats = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#mini-board canvas')!;
      const k = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const at = (x: number, y: number) => {
        const i = (Math.round(y * k) * c.width + Math.round(x * k)) * 4;
        return [d[i]!, d[i + 1]!, d[i + 2]!] as const;
      };
      const [x, y, side] = c.dataset.ring!.split(',').map(Number) as [number, number, number];
      const edges = [
        at(x + side / 2, y),
        at(x + side / 2, y + side),
        at(x, y + side / 2),
        at(x + side, y + side / 2),
      ];
      // Empty cells show the dimmed target, so no pixel is left the bare background.
      let background = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === 0x1b && d[i + 1] === 0x10 && d[i + 2] === 0x30) background++;
      }
      const inView = x >= 0 && y >= 0 && x + side <= c.clientWidth && y + side <= c.clientHeight;
      return { edges, inView, background: background / (d.length / 4), label: c.getAttribute('aria-label') };
    });
    expect(stats.inView).toBe(true);
    for (const [r, g, b] of stats.edges) {
      expect(Math.abs(r - 0xff) + Math.abs(g - 0x3d) + Math.abs(b - 0x8b)).toBeLessThan(40);
    }
    expect(stats.background).toBeLessThan(0.01);
    expect(stats.label).toMatch(/kiss/i);
    // Empty cells show the target, dimmed, at their own place: each one's colour is the
    // background blended with the target PNG's colour under the cell's centre.
    const target = await sharp(
      Buffer.from(await (await fetch(`${server.url}/api/mosaic/target.png`)).arrayBuffer()),
    )
      .raw()
      .toBuffer({ resolveWithObject: true });
    const [col0, row0, cell] = (await page.locator('#mini-board canvas').getAttribute('data-view'))!
      .split(',')
      .map(Number) as [number, number, number];
    const box = await page.locator('#mini-board canvas').boundingBox();
    const live = new Set(
      server.app.service.liveIn(Math.floor(col0), Math.floor(row0), 40, 40).map((t) => `${t.col},${t.row}`),
    );
    const empty: [number, number][] = [];
    for (let r = Math.ceil(row0); r < row0 + box!.height / cell - 1; r++)
      for (let c = Math.ceil(col0); c < col0 + box!.width / cell - 1; c++)
        if (c < info.cols && r < info.rows && !live.has(`${c},${r}`) && !(c === tile.col && r === tile.row))
          empty.push([c, r]);
    expect(empty.length).toBeGreaterThan(0);
    const seen = await page.evaluate(
      ({ cells, col0, row0, cell }) => {
        const c = document.querySelector<HTMLCanvasElement>('#mini-board canvas')!;
        const k = c.width / c.getBoundingClientRect().width;
        const g = c.getContext('2d')!;
        return cells.map(([x, y]) =>
          Array.from(
            g.getImageData(
              Math.round((x - col0 + 0.5) * cell * k),
              Math.round((y - row0 + 0.5) * cell * k),
              1,
              1,
            ).data,
          ),
        );
      },
      { cells: empty.slice(0, 12), col0, row0, cell },
    );
    const bg = [0x1b, 0x10, 0x30];
    empty.slice(0, 12).forEach(([x, y], i) => {
      const tx = Math.floor(((x + 0.5) * target.info.width) / info.cols);
      const ty = Math.floor(((y + 0.5) * target.info.height) / info.rows);
      const o = (ty * target.info.width + tx) * target.info.channels;
      for (let ch = 0; ch < 3; ch++) {
        const want = bg[ch]! * 0.65 + target.data[o + ch]! * 0.35;
        expect(Math.abs(seen[i]![ch]! - want), `cell ${x},${y} channel ${ch}`).toBeLessThan(10);
      }
    });
    await page.locator('#mini-board').screenshot({ path: join(tmpdir(), 'kiss-neighbourhood.png') });
    await ctx.close();
  });
});
