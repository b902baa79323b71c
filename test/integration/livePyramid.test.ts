import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadView } from '../../client/net/snapshot.ts';
import { errorHandler } from '../../server/http/errorHandler.ts';
import { OverviewPages, PREVIEW_FILE } from '../../server/http/overviewPage.ts';
import { currentViewStart, viewRoutes } from '../../server/http/viewRoutes.ts';
import { attachRealtime, type Realtime } from '../../server/realtime/attachRealtime.ts';
import { LivePyramid } from '../../server/realtime/LivePyramid.ts';
import { COLOUR_TILE, colourPyramidOf, levelGrid, tileVersion } from '../../shared/mosaic/colourPyramid.ts';
import { readFrameHeader, tintedRgb } from '../../shared/protocol.ts';
import { decodeViewStart, type ViewStart } from '../../shared/viewStart.ts';
import { MemoryLiveSource } from '../support/MemoryLiveSource.ts';
import { Viewer } from './realtimeHarness.ts';

interface Rig {
  source: MemoryLiveSource;
  rt: Realtime;
  pyramid: LivePyramid;
  url: string;
  stop(): Promise<void>;
}

const rigs: Rig[] = [];
const PAGE =
  '<head><meta name="viewport" content="width=device-width"><script type="module" crossorigin src="/assets/view-x.js"></script></head>';
let preview: string | null = null;

/** A folder with a built preview script in it, for OverviewPages. */
function previewDir(): string {
  if (!preview) {
    preview = mkdtempSync(join(tmpdir(), 'kiss-preview-'));
    writeFileSync(join(preview, PREVIEW_FILE), 'document.title = "preview";');
  }
  return preview;
}

afterAll(() => {
  if (preview) rmSync(preview, { recursive: true, force: true });
});
const viewers: Viewer[] = [];

/** The live layer, the pyramid and the view routes over a MemoryLiveSource, on port 0. */
async function rig(cols: number, rows: number, cellsMaxTiles = 0, minIntervalMs = 50): Promise<Rig> {
  const source = new MemoryLiveSource(cols, rows);
  const app = express();
  const http: HttpServer = createServer(app);
  const rt = attachRealtime(http, source, { log: () => {} });
  const pyramid = new LivePyramid(rt.broadcaster, { minIntervalMs, log: () => {} });
  const deps = { live: () => rt.broadcaster, pyramid: () => pyramid, cellsMaxTiles };
  app.use(viewRoutes({ ...deps, imageCacheSeconds: 60 }));
  // A page that carries the first picture, as the viewer's and the screen's do.
  const pages = new OverviewPages(
    previewDir(),
    async (atLeast) => (await currentViewStart(deps, atLeast)).start,
  );
  app.get('/page', async (req, res) => {
    res.type('html').send((await pages.compose(PAGE, req, res)) ?? PAGE);
  });
  app.use(errorHandler);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const r: Rig = {
    source,
    rt,
    pyramid,
    url,
    async stop() {
      pyramid.close();
      await rt.close();
      await new Promise((res) => http.close(res));
    },
  };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const v of viewers.splice(0)) v.close();
  for (const r of rigs.splice(0)) await r.stop();
});

async function viewStart(url: string): Promise<ViewStart> {
  return decodeViewStart(await (await fetch(`${url}/api/mosaic/view`)).arrayBuffer()).start;
}

/** Waits until the pyramid has published the source's current seq. */
async function published(r: Rig): Promise<void> {
  await vi.waitFor(async () => expect((await r.pyramid.current()).seq).toBe(r.rt.broadcaster.lastSeq), {
    timeout: 5000,
    interval: 10,
  });
}

/** One pixel of a pyramid tile: [r, g, b, a]. */
async function pixel(url: string, level: number, tx: number, ty: number, v: number, x: number, y: number) {
  const res = await fetch(`${url}/api/mosaic/pyramid/${level}/${tx}_${ty}.webp?v=${v}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/webp');
  const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const o = (y * COLOUR_TILE + x) * 4;
  return [...data.subarray(o, o + 4)];
}

describe('the live colour pyramid', () => {
  it('re-renders exactly the ancestors of a changed cell, once per publish however many changes', async () => {
    const r = await rig(600, 300);
    await published(r);
    const before = r.pyramid.rendered;
    r.source.place({ col: 300, row: 10 });
    await published(r);
    expect([...r.pyramid.lastRendered].sort()).toEqual(['0/1_0', '1/0_0', '2/0_0']);
    expect(r.pyramid.rendered - before).toBe(3);

    // A burst of 60 changes in one block is coalesced: one render per tile per publish.
    const at = r.pyramid.rendered;
    for (let i = 0; i < 60; i++) r.source.place({ col: 10 + (i % 30), row: 20 + Math.floor(i / 30) });
    await published(r);
    expect(new Set(r.pyramid.lastRendered)).toEqual(new Set(['0/0_0', '1/0_0', '2/0_0']));
    expect(r.pyramid.rendered - at).toBeLessThanOrEqual(6);
  });

  it('serves versioned tiles with the live colours, and a delete empties every level and refuses old versions within 1 s', async () => {
    const r = await rig(300, 300);
    // A 16x16 patch of one colour (one WebP macroblock): lossy WebP blurs a lone cell's
    // colour into its neighbours, and a real mosaic has no lone cells.
    const ids: number[] = [];
    for (let i = 0; i < 256; i++) {
      const c = r.source.place({
        col: i % 16,
        row: Math.floor(i / 16),
        rgb: [200, 40, 60],
        tint: { r: 10, g: -10, b: 0 },
      });
      ids.push(c.type === 'placed' ? c.id : 0);
    }
    await published(r);
    const start = await viewStart(r.url);
    expect(start).toMatchObject({ mode: 'pyramid', cols: 300, rows: 300, size: 256 });
    const p = colourPyramidOf(300, 300);
    expect(start.versions).toHaveLength(p.blockCols * p.blockRows);
    const v0 = tileVersion(p, start.versions!, { level: 0, tx: 0, ty: 0 });
    const res = await fetch(`${r.url}/api/mosaic/pyramid/0/0_0.webp?v=${v0}`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, immutable');
    const want = tintedRgb((200 << 16) | (40 << 8) | 60, 10, -10, 0);
    const [pr, pg, pb, pa] = await pixel(r.url, 0, 0, 0, v0, 8, 8);
    expect(pa).toBe(255);
    // WebP is lossy: close to the tinted colour, not equal.
    expect(Math.abs(pr! - (want >> 16))).toBeLessThan(12);
    expect(Math.abs(pg! - ((want >> 8) & 255))).toBeLessThan(12);
    expect(Math.abs(pb! - (want & 255))).toBeLessThan(12);
    expect((await pixel(r.url, 0, 0, 0, v0, 40, 8))[3]).toBe(0);

    const top = p.top;
    const vTop = tileVersion(p, start.versions!, { level: top, tx: 0, ty: 0 });
    const t0 = Date.now();
    for (const id of ids) r.source.remove(id);
    await vi.waitFor(
      async () => expect((await fetch(`${r.url}/api/mosaic/pyramid/0/0_0.webp?v=${v0}`)).status).toBe(404),
      { timeout: 1000, interval: 20 },
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    const stale = await fetch(`${r.url}/api/mosaic/pyramid/${top}/0_0.webp?v=${vTop}`);
    expect(stale.status).toBe(404);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('STALE_VERSION');
    const after = await viewStart(r.url);
    expect(after.size).toBe(0);
    for (let level = 0; level <= top; level++) {
      const v = tileVersion(p, after.versions!, { level, tx: 0, ty: 0 });
      const k = 2 ** level;
      expect((await pixel(r.url, level, 0, 0, v, Math.floor(8 / k), Math.floor(8 / k)))[3]).toBe(0);
    }
  });

  it('keeps its tiles on disk: an unchanged mosaic restarts without rendering, a lost file is rendered again, a change renders all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyramid-cache-'));
    try {
      const r = await rig(600, 300);
      const cached = (): LivePyramid =>
        new LivePyramid(r.rt.broadcaster, { minIntervalMs: 20, log: () => {}, cacheDir: dir });
      const ids: number[] = [];
      for (let i = 0; i < 256; i++) {
        const c = r.source.place({ col: 300 + (i % 16), row: Math.floor(i / 16), rgb: [30, 160, 220] });
        ids.push(c.type === 'placed' ? c.id : 0);
      }
      await published(r);
      const first = cached();
      const p = await first.current();
      expect(p.seq).toBe(r.rt.broadcaster.lastSeq);
      await first.flush();
      const all: string[] = [];
      for (let level = 0; level <= p.pyramid.top; level++) {
        const g = levelGrid(p.pyramid, level);
        for (let ty = 0; ty < g.rows; ty++)
          for (let tx = 0; tx < g.cols; tx++) all.push(`${level}/${tx}_${ty}`);
      }
      expect(
        readdirSync(dir, { recursive: true })
          .filter((f) => String(f).endsWith('.webp'))
          .sort(),
      ).toEqual(all.map((k) => `${k}.webp`).sort());
      const tile = async (pyr: LivePyramid, level: number, tx: number) => {
        const got = await pyr.tile(
          { level, tx, ty: 0 },
          tileVersion(p.pyramid, p.versions, { level, tx, ty: 0 }),
        );
        expect(Buffer.isBuffer(got)).toBe(true);
        return got as Buffer;
      };
      const before = await tile(first, 0, 1);
      first.close();

      // The same state: nothing rendered, every tile read from disk as asked for.
      const second = cached();
      expect((await second.current()).seq).toBe(p.seq);
      expect(await tile(second, 0, 1)).toEqual(before);
      expect(await tile(second, 2, 0)).toEqual(readFileSync(join(dir, '2/0_0.webp')));
      expect(second.rendered).toBe(0);
      // A file gone: that tile alone is rendered again.
      rmSync(join(dir, '1/0_0.webp'));
      await tile(second, 1, 0);
      expect(second.rendered).toBe(1);
      expect(second.lastRendered).toEqual(['1/0_0']);
      second.close();

      // The mosaic changed since: the whole pyramid is rendered, and a delete leaves every
      // level's file on disk without the tile.
      for (const id of ids) r.source.remove(id);
      await published(r);
      const third = cached();
      await third.current();
      expect(third.rendered).toBe(all.length);
      await third.flush();
      for (const [file, x] of [
        ['0/1_0.webp', 50],
        ['1/0_0.webp', 153],
        ['2/0_0.webp', 76],
      ] as const) {
        const { data } = await sharp(join(dir, file))
          .ensureAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect(data[(2 * COLOUR_TILE + x) * 4 + 3]).toBe(0);
      }
      expect(JSON.parse(readFileSync(join(dir, 'pyramid.json'), 'utf8'))).toMatchObject({
        seq: r.rt.broadcaster.lastSeq,
        size: 0,
      });
      third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers bad tile and block requests with a code', async () => {
    const r = await rig(40, 40);
    await published(r);
    const bad = async (path: string, status: number, code: string) => {
      const res = await fetch(`${r.url}${path}`);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    };
    await bad('/api/mosaic/pyramid/0/0_0.webp', 400, 'BAD_REQUEST');
    await bad('/api/mosaic/pyramid/0/0_0.png?v=1', 400, 'BAD_REQUEST');
    await bad('/api/mosaic/pyramid/3/0_0.webp?v=1', 404, 'NOT_FOUND');
    await bad('/api/mosaic/pyramid/0/9999_0.webp?v=1', 404, 'NOT_FOUND');
    await bad('/api/mosaic/pyramid/0/0_9999.webp?v=1', 404, 'NOT_FOUND');
    await bad('/api/mosaic/cells?col=0&row=0&cols=500&rows=4', 400, 'BAD_REQUEST');
    await bad('/api/mosaic/cells?col=0&row=0&cols=4&rows=4&min=99999', 503, 'BEHIND');
  });

  it('a region-mode viewer holds only the blocks it loads, follows changes, and reloads on a growth without a whole frame', async () => {
    const r = await rig(64, 64);
    for (let i = 0; i < 200; i++) r.source.place();
    await published(r);
    const v = new Viewer(r.url, { initial: loadView(r.url) });
    viewers.push(v);
    const cells = new Viewer(r.url);
    viewers.push(cells);
    expect((await v.connect()).mode).toBe('replay');
    await cells.connect();
    expect(v.mosaic.partial).toBe(true);
    expect(v.mosaic.size).toBe(200);
    expect(v.events).not.toContain('mosaic:snapshot');

    const block = { col: 0, row: 0, cols: 32, rows: 32 };
    expect(await v.loadBlock(block)).toHaveLength(32 * 32);
    const snap = r.source.snapshot();
    const expectBlock = () => {
      for (const t of snap.tiles.filter((t) => t.col < 32 && t.row < 32))
        expect(v.mosaic.cellId[t.row * 64 + t.col]).toBe(t.id);
    };
    expectBlock();
    // Outside the loaded block nothing is known (only what changes said).
    const outside = snap.tiles.find((t) => t.col >= 32)!;
    expect(v.mosaic.cellId[outside.row * 64 + outside.col]).toBe(0);

    const placed = r.source.place({ col: 40, row: 40 });
    await v.reach(placed.seq);
    expect(v.mosaic.cellId[40 * 64 + 40]).toBe(placed.type === 'placed' ? placed.id : -1);
    expect(v.mosaic.size).toBe(201);

    let regionBytes = 0;
    let cellsBytes = 0;
    v.socket.on('mosaic:grown', (b) => {
      regionBytes += (b as ArrayBuffer).byteLength;
    });
    cells.socket.on('mosaic:grown', (b) => {
      cellsBytes += (b as ArrayBuffer).byteLength;
    });
    const grown = r.source.grow(96, 96);
    await vi.waitFor(() => expect(v.mosaic.cols).toBe(96), { timeout: 5000, interval: 10 });
    await v.reachAtLeast(grown.seq);
    await cells.reach(grown.seq);
    expect(v.mosaic.partial).toBe(true);
    expect(v.mosaic.size).toBe(201);
    // Geometry only (a 16-byte frame) against every tile's new cell.
    expect(regionBytes).toBe(16);
    expect(cellsBytes).toBe(16 + 201 * 12);
    await v.loadBlock({ col: 0, row: 0, cols: 96, rows: 96 });
    const now = r.source.snapshot();
    for (const t of now.tiles) expect(v.mosaic.cellId[t.row * 96 + t.col]).toBe(t.id);
  });

  it("a swap keeps both tiles' colours in the live copy, in the pyramid and at every viewer", async () => {
    const r = await rig(40, 40, 1000);
    const a = r.source.place({ col: 0, row: 0, rgb: [200, 0, 0] });
    const b = r.source.place({ col: 1, row: 0, rgb: [0, 0, 200] });
    const v = new Viewer(r.url);
    viewers.push(v);
    await v.connect();
    // The engine's swap: the first move lands on the second tile's cell before the second moves.
    const [, last] = r.source.swap(a.type === 'placed' ? a.id : 0, b.type === 'placed' ? b.id : 0);
    await v.reach(last!.seq);
    const m = r.rt.broadcaster.mosaic;
    for (const mosaic of [m, v.mosaic]) {
      expect(mosaic.farColour(0)! & 255).toBeGreaterThan(150);
      expect(mosaic.farColour(1)! >> 16).toBeGreaterThan(150);
    }
  });

  it("a small mosaic's view holds the changes up to min when asked: the cached one may be a few behind", async () => {
    const r = await rig(20, 20, 1000);
    for (let i = 0; i < 30; i++) r.source.place();
    const first = await viewStart(r.url);
    expect(first).toMatchObject({ mode: 'cells', size: 30 });
    for (let i = 0; i < 3; i++) r.source.place();
    const now = r.rt.broadcaster.lastSeq;
    expect(now).toBe(first.seq + 3);
    // Without min, the cached frame: the live feed's catch-up completes it.
    expect(await viewStart(r.url)).toMatchObject({ seq: first.seq, size: 30 });
    const at = await fetch(`${r.url}/api/mosaic/view?min=${now}`);
    expect(at.headers.get('x-mosaic-seq')).toBe(String(now));
    const { start, frame } = decodeViewStart(await at.arrayBuffer());
    expect(start).toMatchObject({ mode: 'cells', seq: now, size: 33 });
    expect(readFrameHeader(frame!)).toMatchObject({ seq: now, count: 33 });
    for (const [q, status, code] of [
      [`min=${now + 1000}`, 503, 'BEHIND'],
      ['min=soon', 400, 'BAD_REQUEST'],
    ] as const) {
      const res = await fetch(`${r.url}/api/mosaic/view?${q}`);
      expect(res.status, q).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it("a big mosaic's view holds the changes up to min once its pyramid is published, and the latest when none comes in time", async () => {
    // Publishes at least 1 s apart: a change just made is not in the published pyramid yet.
    const r = await rig(300, 300, 0, 1000);
    await published(r);
    const before = r.rt.broadcaster.lastSeq;
    r.source.place({ col: 40, row: 40 });
    r.source.place({ col: 41, row: 40 });
    const now = r.rt.broadcaster.lastSeq;
    expect(now).toBe(before + 2);
    // Without min, the pyramid as last published.
    expect(await viewStart(r.url)).toMatchObject({ mode: 'pyramid', seq: before });
    const at = await fetch(`${r.url}/api/mosaic/view?min=${now}`);
    expect(at.status).toBe(200);
    expect(at.headers.get('x-mosaic-seq')).toBe(String(now));
    const { start } = decodeViewStart(await at.arrayBuffer());
    expect(start).toMatchObject({ mode: 'pyramid', seq: now, size: 2 });
    const p = colourPyramidOf(300, 300);
    expect(start.versions![Math.floor(40 / COLOUR_TILE) * p.blockCols]).toBe(now);
    // The same for a page that carries the view start inline (the screen's offline copy).
    r.source.place({ col: 42, row: 40 });
    const later = r.rt.broadcaster.lastSeq;
    const html = await (await fetch(`${r.url}/page?min=${later}`)).text();
    const inline = /<script type="application\/json" id="kiss-view">([^<]*)<\/script>/.exec(html);
    expect(JSON.parse(inline![1]!)).toMatchObject({ mode: 'pyramid', seq: later, size: 3 });
    // A seq the live copy holds but no publish ever reaches (nothing changes after it): the
    // latest published pyramid once the wait is over, not an error.
    const t0 = performance.now();
    expect(await r.pyramid.current(later + 1, 150)).toMatchObject({ seq: later });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a small mosaic starts in cells mode, with the same frame as the snapshot', async () => {
    const r = await rig(20, 20, 1000);
    for (let i = 0; i < 30; i++) r.source.place();
    const got = await loadView(r.url);
    expect(got?.start).toMatchObject({ mode: 'cells', size: 30, cols: 20, rows: 20 });
    expect(got?.layout?.size).toBe(30);
    const v = new Viewer(r.url, { initial: Promise.resolve(got) });
    viewers.push(v);
    expect((await v.connect()).mode).toBe('replay');
    expect(v.mosaic.partial).toBe(false);
  });
});
