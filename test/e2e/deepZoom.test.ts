/**
 * End to end: the deep-zoom export in OpenSeadragon, in Chromium. The admin zip is unpacked
 * and served by a plain static server, as any host would; its page must draw the mosaic's
 * pixels. The live DZI and IIIF routes must open in OpenSeadragon too, every tile it asks for
 * answered. After a contributor deletes a tile, the next export has it at no level.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../server/config.ts';
import { dimmedTarget } from '../../server/ingest/compose.ts';
import { Target } from '../../server/ingest/target.ts';
import type { UploadAnswer } from '../../shared/httpApi.ts';
import { levelCellPx, levelSize, levelTiles, pyramidOf, tileRect } from '../../shared/mosaic/pyramid.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, startServer, type TestServer, upload } from '../support/server.ts';
import { unzip } from '../support/zip.ts';
import { launchBrowser } from './harness.ts';

const TOKEN = 'e2e-deep-zoom-token-0123456789';
const COLS = 4;
const ROWS = 3;
const P = pyramidOf(COLS, ROWS); // 2048 x 1536 px, levels 0..11
/** A loaded machine draws slowly: each test may take minutes. */
const SLOW = 240_000;
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.png': 'image/png',
  '.dzi': 'application/xml',
};

let server: TestServer;
/** The first export, unpacked and served. */
let site: { url: string; files: Map<string, Buffer> };
let browser: Browser;
const tiles: UploadAnswer[] = [];
const folders: string[] = [];
const statics: Server[] = [];

/** Writes the admin zip's files to a new folder and serves it over HTTP; the folder's URL and files. */
async function hostExport(): Promise<{ url: string; files: Map<string, Buffer> }> {
  const res = await fetch(`${server.url}/api/mosaic/export.zip`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  const files = await unzip(Buffer.from(await res.arrayBuffer()));
  const dir = mkdtempSync(join(tmpdir(), 'kiss-dzi-'));
  folders.push(dir);
  for (const [name, data] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  const http = createServer((req, res) => {
    const asked = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    const path = join(dir, asked.endsWith('/') ? `${asked}index.html` : asked);
    try {
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  statics.push(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const addr = http.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}/`, files };
}

/** Waits until OpenSeadragon has every tile of the view loaded and has drawn a few frames since. */
async function drawn(page: Page) {
  await page.waitForFunction(
    () => {
      type V = { world: { getItemCount(): number; getItemAt(i: number): { getFullyLoaded(): boolean } } };
      const v = (window as unknown as { viewer?: V }).viewer;
      return !!v && v.world.getItemCount() > 0 && v.world.getItemAt(0).getFullyLoaded();
    },
    undefined,
    { timeout: 90_000, polling: 100 },
  );
  await page.waitForTimeout(600);
}

/** Where the image's top-left and bottom-right are on the page, in CSS px. */
function imageOnScreen(page: Page): Promise<[number, number, number, number]> {
  return page.evaluate(
    ([w, h]) => {
      type Pt = { x: number; y: number };
      type V = { viewport: { imageToViewerElementCoordinates(p: Pt): Pt } };
      const osd = (window as unknown as { OpenSeadragon: { Point: new (x: number, y: number) => Pt } })
        .OpenSeadragon;
      const v = (window as unknown as { viewer: V }).viewer;
      const a = v.viewport.imageToViewerElementCoordinates(new osd.Point(0, 0));
      const b = v.viewport.imageToViewerElementCoordinates(new osd.Point(w!, h!));
      return [a.x, a.y, b.x, b.y] as [number, number, number, number];
    },
    [P.width, P.height] as [number, number],
  );
}

/** Mean [r, g, b] of the middle half of each cell, from raw RGB of the whole mosaic at `w` x `h`. */
function cellMeans(data: Buffer, w: number, h: number): number[][] {
  const out: number[][] = [];
  const cw = w / COLS;
  const ch = h / ROWS;
  for (let row = 0; row < ROWS; row++)
    for (let col = 0; col < COLS; col++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let y = Math.ceil((row + 0.25) * ch); y < Math.floor((row + 0.75) * ch); y++)
        for (let x = Math.ceil((col + 0.25) * cw); x < Math.floor((col + 0.75) * cw); x++) {
          for (let k = 0; k < 3; k++) sum[k]! += data[(y * w + x) * 3 + k]!;
          n++;
        }
      out.push(sum.map((s) => s / n));
    }
  return out;
}

/** The worst difference in any channel between the means of 16 px blocks of two same-size RGB pictures. */
function worstBlock(a: Buffer, b: Buffer, w: number, h: number): number {
  let worst = 0;
  for (let by = 0; by + 16 <= h; by += 16)
    for (let bx = 0; bx + 16 <= w; bx += 16) {
      const d = [0, 0, 0];
      for (let y = by; y < by + 16; y++)
        for (let x = bx; x < bx + 16; x++)
          for (let k = 0; k < 3; k++) d[k]! += a[(y * w + x) * 3 + k]! - b[(y * w + x) * 3 + k]!;
      worst = Math.max(worst, ...d.map((v) => Math.abs(v) / 256));
    }
  return worst;
}

/**
 * What the canvas shows of the mosaic against export.png at the deepest level's width, cut and
 * scaled to the same part of the image: the worst 16 px block difference, and the screen's
 * pixels of the image (all of it when the whole image is in view).
 */
async function canvasAgainstExport(
  page: Page,
  shot?: string,
): Promise<{ worst: number; screen: Buffer; width: number; height: number }> {
  const [x0, y0, x1, y1] = await imageOnScreen(page);
  const left = Math.max(0, Math.ceil(x0));
  const top = Math.max(0, Math.ceil(y0));
  const width = Math.min(1280, Math.floor(x1)) - left - 1;
  const height = Math.min(800, Math.floor(y1)) - top - 1;
  if (shot) writeFileSync(join(SHOTS, shot), await page.screenshot());
  // The buttons and the navigator's overview sit over the image; they are not the mosaic.
  await page.addStyleTag({ content: '.navigator, div[title] { visibility: hidden !important; }' });
  const full = await page.screenshot();
  const screen = await sharp(full).extract({ left, top, width, height }).removeAlpha().raw().toBuffer();
  const f = P.width / (x1 - x0);
  const png = Buffer.from(
    await (await fetch(`${server.url}/api/mosaic/export.png?width=${P.width}`)).arrayBuffer(),
  );
  const region = {
    left: Math.round((left - x0) * f),
    top: Math.round((top - y0) * f),
    width: Math.round(width * f),
    height: Math.round(height * f),
  };
  const expected = await sharp(png)
    .extract(region)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { worst: worstBlock(screen, expected, width, height), screen, width, height };
}

async function openPage(url: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  await page.goto(url, { timeout: 90_000 });
  await drawn(page);
  return page;
}

/** A whole level of an unpacked export, stitched from its tiles, raw RGB. */
async function levelImage(
  files: Map<string, Buffer>,
  level: number,
): Promise<{ data: Buffer; width: number }> {
  const size = levelSize(P, level);
  const out = Buffer.alloc(size.width * size.height * 3);
  const n = levelTiles(P, level);
  for (let row = 0; row < n.rows; row++)
    for (let col = 0; col < n.cols; col++) {
      const r = tileRect(P, level, col, row)!;
      const t = await sharp(files.get(`mosaic_files/${level}/${col}_${row}.png`)!)
        .raw()
        .toBuffer();
      for (let y = 0; y < r.height; y++)
        t.copy(out, ((r.y + y) * size.width + r.x) * 3, y * r.width * 3, (y + 1) * r.width * 3);
    }
  return { data: out, width: size.width };
}

/** The pixels of one cell's square at a level with at least 1 px per cell. */
function cellBlock(img: { data: Buffer; width: number }, px: number, col: number, row: number): Buffer {
  const out = Buffer.alloc(px * px * 3);
  for (let y = 0; y < px; y++) {
    const from = ((row * px + y) * img.width + col * px) * 3;
    img.data.copy(out, y * px * 3, from, from + px * 3);
  }
  return out;
}

beforeAll(async () => {
  server = await startServer({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: String(COLS), MOSAIC_ROWS: String(ROWS) });
  for (let i = 0; i < 9; i++) {
    const res = await upload(server.url, await syntheticJpeg(400, 400, i * 13 + 5));
    expect(res.status).toBe(201);
    tiles.push((await res.json()) as UploadAnswer);
  }
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  for (const s of statics) s.close();
  for (const d of folders) removeDir(d);
  await server?.destroy();
});

describe('the deep-zoom export in OpenSeadragon', () => {
  it(
    "draws the unpacked zip's pyramid with the mosaic's pixels, whole and zoomed in",
    async () => {
      site = await hostExport();
      const page = await openPage(site.url);
      const whole = await canvasAgainstExport(page, 'deep-zoom-1280x800.png');
      expect(whole.worst).toBeLessThan(8);
      // Zoomed in, the deepest level is drawn.
      await page.evaluate(() => {
        type V = {
          viewport: {
            zoomTo(z: number, p: unknown, now: boolean): void;
            applyConstraints(now: boolean): void;
          };
        };
        const v = (window as unknown as { viewer: V }).viewer.viewport;
        // 3x the whole view is past level 10's 1024 px and within the page's 2x zoom limit.
        v.zoomTo(3, null, true);
        v.applyConstraints(true);
      });
      await drawn(page);
      const asked = await page.evaluate(() =>
        performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
      );
      expect(asked.filter((a) => a.startsWith('/mosaic_files/11/')).length).toBeGreaterThan(0);
      expect((await canvasAgainstExport(page, 'deep-zoom-zoomed.png')).worst).toBeLessThan(8);
      await page.context().close();
    },
    SLOW,
  );

  it(
    'opens the live DZI (versioned) and the IIIF service, every tile it asks for answered',
    async () => {
      const page = await openPage(site.url);
      const seq = ((await (await fetch(`${server.url}/api/mosaic`)).json()) as { seq: number }).seq;
      for (const source of [
        `${server.url}/api/mosaic/export.dzi?v=${seq}`,
        `${server.url}/iiif/mosaic/info.json`,
      ]) {
        const answers: [string, number][] = [];
        page.on('response', (r) => {
          if (r.url().startsWith(server.url)) answers.push([r.url(), r.status()]);
        });
        await page.evaluate((src) => {
          type V = { destroy(): void };
          const w = window as unknown as { viewer: V; OpenSeadragon: (o: object) => V };
          w.viewer.destroy();
          w.viewer = w.OpenSeadragon({
            id: 'viewer',
            prefixUrl: 'openseadragon/images/',
            tileSources: src,
            crossOriginPolicy: 'Anonymous',
          });
        }, source);
        await drawn(page);
        const tileAnswers = answers.filter(([u]) => /\.(png|jpg)(\?|$)/.test(u));
        expect(tileAnswers.length, source).toBeGreaterThan(3);
        for (const [u, status] of answers) expect(status, u).toBe(200);
        if (source.includes('.dzi')) for (const [u] of tileAnswers) expect(u).toContain(`?v=${seq}`);
        else
          for (const [u] of tileAnswers) expect(u).toMatch(/\/iiif\/mosaic\/[^/]+\/[^/]+\/0\/default\.png$/);
        expect((await canvasAgainstExport(page)).worst, source).toBeLessThan(8);
        page.removeAllListeners('response');
      }
      await page.context().close();
    },
    SLOW,
  );

  it(
    'after a delete, the next export has the tile at no level, and OpenSeadragon shows it gone',
    async () => {
      const before = site;
      // Later arrivals may have moved it: where it is now, not where it landed.
      const { col, row } = server.app.mosaic.get(tiles[3]!.id)!;
      const victim = { ...tiles[3]!, col, row };
      const del = await fetch(`${server.url}/api/tiles/${victim.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${victim.deleteToken}` },
      });
      expect(del.status).toBe(204);
      const after = await hostExport();

      const target = await Target.open(readConfig({}).targetPath);
      for (let level = 0; level <= P.maxLevel; level++) {
        const px = levelCellPx(P, level);
        const was = await levelImage(before.files, level);
        const now = await levelImage(after.files, level);
        if (px >= 1) {
          const s = levelSize(P, level);
          const rect = { x: victim.col * px, y: victim.row * px, width: px, height: px };
          const empty = await dimmedTarget(target, s.width, s.height, rect);
          expect(cellBlock(now, px, victim.col, victim.row).equals(empty), `level ${level}`).toBe(true);
          expect(cellBlock(was, px, victim.col, victim.row).equals(empty), `level ${level}`).toBe(false);
        } else {
          // Below 1 px per cell a pixel mixes several cells; the one over the cell still changes.
          const x = Math.floor(victim.col * px);
          const y = Math.floor(victim.row * px);
          const at = (y * now.width + x) * 3;
          expect(now.data.subarray(at, at + 3).equals(was.data.subarray(at, at + 3)), `level ${level}`).toBe(
            false,
          );
        }
      }

      const page = await openPage(after.url);
      const view = await canvasAgainstExport(page);
      expect(view.worst).toBeLessThan(8);
      const oldPage = await openPage(before.url);
      const oldView = await canvasAgainstExport(oldPage);
      const i = victim.row * COLS + victim.col;
      const now = cellMeans(view.screen, view.width, view.height)[i]!;
      const was = cellMeans(oldView.screen, oldView.width, oldView.height)[i]!;
      const moved = Math.max(...[0, 1, 2].map((k) => Math.abs(now[k]! - was[k]!)));
      expect(moved).toBeGreaterThan(10);
      await page.context().close();
      await oldPage.context().close();
    },
    SLOW,
  );
});
