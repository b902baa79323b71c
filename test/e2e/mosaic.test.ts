/**
 * End to end: the built client in Debian's Chromium against the real server on port 0.
 * Assertions read the canvas's pixels (screenshots) at a tile's cell, not just the DOM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { asOlderPage, axeViolations, builtChunk, recordCspViolations, waitForSeq } from './harness.ts';
import { cellColour, colourDistance, expectedColour, settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

beforeAll(async () => {
  // A few tiles already there, so the new one lands among others.
  for (let i = 1; i <= 6; i++) await upload(e2e.server().url, await syntheticJpeg(320, 320, 100 + i));
});

/** Every Content-Security-Policy complaint any page opened here logged (its script and workers). */
const cspViolations: string[] = [];

async function open(path: string, viewport = { width: 1280, height: 800 }, locale = 'en-GB'): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport, locale, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  recordCspViolations(page, cspViolations, path);
  await page.goto(e2e.server().url + path);
  return page;
}

/** 2048 px, stored rotated with EXIF Orientation=6, GPS in Chechnya, camera and artist name. */
const ASTRONAUT = readFileSync(join(import.meta.dirname, '../fixtures/astronaut-orient6-gps.jpg'));
const HEIC = readFileSync(join(import.meta.dirname, '../fixtures/rocket-gps.heic'));

/**
 * Sends the astronaut through /add (with "hide our faces" or not) and returns the page, the
 * upload's bytes as the network saw them, and the JPEG inside.
 */
async function sendAstronaut(hideFaces: boolean): Promise<{ add: Page; body: Buffer; sent: Buffer }> {
  const add = await open('/add', { width: 390, height: 844 });
  const bodies: Buffer[] = [];
  await add.route('**/api/tiles', async (route) => {
    if (route.request().method() === 'POST') bodies.push(route.request().postDataBuffer() ?? Buffer.alloc(0));
    await route.continue();
  });
  await add.setInputFiles('#file', { name: 'astronaut.jpg', mimeType: 'image/jpeg', buffer: ASTRONAUT });
  await add.waitForSelector('#preview-box:not([hidden])');
  if (hideFaces) await add.check('#hide-faces');
  await add.check('#consent');
  await add.click('#send');
  await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
  expect(bodies).toHaveLength(1);
  const body = bodies[0]!;
  const sent = body.subarray(
    body.indexOf(Buffer.from([0xff, 0xd8, 0xff])),
    body.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2,
  );
  return { add, body, sent };
}

function serverSeq(): number {
  return e2e.server().app.service.snapshot().seq;
}

describe('the client in Chromium', () => {
  it('shows an upload from /add on an open / and /screen, read from the canvas pixels', async () => {
    const view = await open('/');
    const screen = await open('/screen?event=london', { width: 960, height: 540 });
    await Promise.all([waitForSeq(view, serverSeq()), waitForSeq(screen, serverSeq())]);

    const add = await open('/add?event=london', { width: 390, height: 844 });
    // The form's first load leaves out the mini mosaic's renderer (PixiJS, WebGL2), most of the
    // page's script; choosing a photo fetches it, ahead of the success view that shows it.
    const scripts = () =>
      add.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((e) => e.name)
          .filter((n) => n.endsWith('.js')),
      );
    const renderers = async (urls: string[]) => {
      const found: string[] = [];
      for (const u of urls) if ((await (await fetch(u)).text()).includes('webgl2')) found.push(u);
      return found;
    };
    const firstLoad = await scripts();
    expect(firstLoad.length).toBeGreaterThan(0);
    expect(await renderers(firstLoad)).toEqual([]);
    // The add page says which browser it is, so that its upload budget is its own (safetyLimits.test.ts).
    const sentIds: (string | undefined)[] = [];
    add.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/tiles')) sentIds.push(r.headers()['x-client-id']);
    });
    const photo = join(tmpdir(), `kiss-e2e-${process.pid}.jpg`);
    writeFileSync(photo, await syntheticJpeg(600, 600, 4242));
    await add.setInputFiles('#file', photo);
    await add.waitForSelector('#preview-box:not([hidden])');
    await expect.poll(async () => (await renderers(await scripts())).length).toBeGreaterThan(0);
    await add.click('#send');
    expect(await add.locator('#error').textContent()).not.toBe('');
    await add.check('#consent');
    await add.click('#send');
    await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
    // The mini mosaic, drawn by the renderer fetched meanwhile.
    await add.waitForSelector('#mini-board canvas', { timeout: 20_000 });
    expect(sentIds).toHaveLength(1);
    expect(sentIds[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const permalink = await add.inputValue('#permalink');
    const id = Number(/\/t\/(\d+)$/.exec(permalink)?.[1]);
    expect(e2e.server().app.service.get(id)).toMatchObject({ id, event: 'london', status: 'live' });
    expect(await add.inputValue('#delete-link')).toMatch(new RegExp(`/add\\?delete=${id}\\.[A-Za-z0-9_-]+$`));

    // The screen zooms toward the new tile and holds it in the middle: read it there.
    await waitForSeq(screen, serverSeq());
    await screen.waitForFunction(
      (tileId) => {
        type B = {
          animating: boolean;
          viewport: { width: number; height: number };
          tileById(id: number): { col: number; row: number } | null;
          cellToScreen(c: number, r: number): [number, number];
        };
        const b = (window as unknown as { kiss: { board: B } }).kiss.board;
        const t = b.tileById(tileId);
        if (!t || b.animating) return false;
        const [x, y] = b.cellToScreen(t.col, t.row);
        return Math.abs(x - b.viewport.width / 2) < 2 && Math.abs(y - b.viewport.height / 2) < 2;
      },
      id,
      { timeout: 20_000, polling: 50 },
    );
    const onScreen = await cellColour(screen, id);
    const wantScreen = await expectedColour(screen, id);
    expect(
      colourDistance(onScreen, wantScreen),
      `screen shows ${onScreen}, tile is ${wantScreen}`,
    ).toBeLessThan(45);

    await waitForSeq(view, serverSeq());
    await settle(view);
    const onView = await cellColour(view, id);
    const wantView = await expectedColour(view, id);
    expect(colourDistance(onView, wantView), `viewer shows ${onView}, tile is ${wantView}`).toBeLessThan(45);
    // All three pages drew with WebGL under a CSP without 'unsafe-eval', and none was refused anything.
    expect(cspViolations).toEqual([]);
  });

  it('sends a photo again by itself after its answer was lost, and gets that answer: one tile, a delete link that works', async () => {
    const add = await open('/add', { width: 390, height: 844 });
    const before = e2e.server().app.service.tileCount;
    // The first answer is lost on the way back (the server did store the photo).
    const keys: string[] = [];
    await add.route('**/api/tiles', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (keys.length > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await add.setInputFiles('#file', {
      name: 'kiss.jpg',
      mimeType: 'image/jpeg',
      buffer: await syntheticJpeg(600, 600, 4343),
    });
    await add.check('#consent');
    await add.click('#send');
    await add.waitForFunction(() =>
      document.getElementById('progress-text')?.textContent?.startsWith('The connection dropped.'),
    );
    expect(await add.locator('#progress-text').textContent()).toBe(
      'The connection dropped. Sending again in 2 s…',
    );
    expect(await add.locator('#error').textContent()).toBe('');
    expect(e2e.server().app.service.tileCount).toBe(before + 1);
    await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
    // The same key both times: the server answered the second with the first's tile.
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(e2e.server().app.service.tileCount).toBe(before + 1);
    const link = await add.inputValue('#delete-link');
    const [, id, token] = /\/add\?delete=(\d+)\.([A-Za-z0-9_-]+)$/.exec(link) ?? [];
    expect(e2e.server().app.service.get(Number(id))).toMatchObject({ id: Number(id), status: 'live' });
    const del = await fetch(`${e2e.server().url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(204);
    expect(e2e.server().app.service.tileCount).toBe(before);
    await add.context().close();
  });

  it('sends an upright copy of at most 1600 px that carries no metadata from the phone', async () => {
    expect((await sharp(ASTRONAUT).metadata()).exif).toBeDefined();
    const { add, body, sent } = await sendAstronaut(false);
    const meta = await sharp(sent).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(1600);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    for (const leak of ['Exif', 'GPS', 'Private Name']) expect(body.includes(Buffer.from(leak))).toBe(false);
    // Upright on the phone already: the orange suit is at the bottom of the stored tile.
    const id = Number(/\/t\/(\d+)$/.exec(await add.inputValue('#permalink'))?.[1]);
    const tile = Buffer.from(await (await fetch(`${e2e.server().url}/tiles/${id}/128.webp`)).arrayBuffer());
    const { data } = await sharp(tile)
      .resize(3, 3, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const redness = (row: number) =>
      [0, 1, 2].reduce((s, x) => s + data[(row * 3 + x) * 3]! - data[(row * 3 + x) * 3 + 2]!, 0) / 3;
    expect(redness(2)).toBeGreaterThan(redness(0) + 20);
    await add.context().close();
  });

  it('with "hide our faces", sends only the 12-block square its preview shows: the faces stay on the phone', async () => {
    const { add, sent } = await sendAstronaut(true);
    const { data, info } = await sharp(sent).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([576, 576]);
    // Every 48 px block is one flat colour (inside its edges, up to JPEG noise): no detail left.
    let worst = 0;
    for (let by = 0; by < 12; by++)
      for (let bx = 0; bx < 12; bx++)
        for (let c = 0; c < 3; c++) {
          let lo = 255;
          let hi = 0;
          for (let y = by * 48 + 6; y < by * 48 + 42; y++)
            for (let x = bx * 48 + 6; x < bx * 48 + 42; x++) {
              const v = data[(y * 576 + x) * 3 + c]!;
              lo = Math.min(lo, v);
              hi = Math.max(hi, v);
            }
          worst = Math.max(worst, hi - lo);
        }
    expect(worst).toBeLessThan(12);
    await add.context().close();
  });

  it('takes an iPhone HEIC that this browser cannot read: its name instead of a preview, no error, the file goes as it is and becomes a tile', async () => {
    const add = await open('/add', { width: 390, height: 844 });
    const bodies: Buffer[] = [];
    await add.route('**/api/tiles', async (route) => {
      if (route.request().method() === 'POST')
        bodies.push(route.request().postDataBuffer() ?? Buffer.alloc(0));
      await route.continue();
    });
    await add.setInputFiles('#file', { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: HEIC });
    // Chromium decodes no HEIC: no preview, nothing against the photo, and a line that names the chosen file.
    await add.waitForSelector('#no-preview:not([hidden])');
    expect(await add.textContent('#no-preview')).toContain('Chosen: IMG_0001.HEIC.');
    expect(await add.isHidden('#preview-box')).toBe(true);
    expect(await add.textContent('#error')).toBe('');
    await add.check('#consent');
    await add.click('#send');
    await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.includes(HEIC)).toBe(true);
    const id = Number(/\/t\/(\d+)$/.exec(await add.inputValue('#permalink'))?.[1]);
    const tile = await fetch(`${e2e.server().url}/tiles/${id}/512.webp`);
    expect(tile.status).toBe(200);
    const meta = await sharp(Buffer.from(await tile.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.exif]).toEqual(['webp', 512, undefined]);
    await add.context().close();
  });

  it('loads the 512 px photo when zoomed in on a tile', async () => {
    const page = await open('/');
    await waitForSeq(page, serverSeq());
    const id = await page.evaluate(() => {
      type K = { feed: { mosaic: { cellId: Uint32Array } } };
      const m = (window as unknown as { kiss: K }).kiss.feed.mosaic;
      return m.cellId.find((x) => x > 0) ?? 0;
    });
    expect(e2e.server().app.service.get(id)).toMatchObject({ id, status: 'live' });
    const big = page.waitForResponse((r) => r.url().endsWith(`/tiles/${id}/512.webp`) && r.status() === 200);
    // Fly to the tile, then zoom further with the keyboard as a person would.
    await page.evaluate((tileId) => {
      type B = {
        tileById(id: number): { col: number; row: number } | null;
        flyTo(c: number, r: number, px: number, ms: number): void;
      };
      const b = (window as unknown as { kiss: { board: B } }).kiss.board;
      const t = b.tileById(tileId)!;
      b.flyTo(t.col, t.row, 120, 300);
    }, id);
    await settle(page);
    await page.focus('canvas');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await big;
    await page.waitForFunction(() => {
      type B = { stats(): { photos: number } };
      return (window as unknown as { kiss: { board: B } }).kiss.board.stats().photos > 0;
    });
  });

  it('the screen rides out a cut socket: reconnecting sign, catch-up from its seq, no reload', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    let cut = false;
    const open: Array<{ close(): Promise<void> }> = [];
    await page.routeWebSocket(/socket\.io/, (ws) => {
      if (cut) {
        void ws.close();
        return;
      }
      ws.connectToServer();
      open.push(ws);
    });
    await page.route(/socket\.io\/\?.*transport=polling/, (route) =>
      cut ? route.abort() : route.continue(),
    );
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await waitForSeq(page, serverSeq());
    // Live: the view alone may already hold the server's seq before the socket is open.
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    await expect.poll(() => open.length).toBeGreaterThan(0);
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });

    cut = true;
    for (const ws of open.splice(0)) await ws.close();
    await page.waitForSelector('#reconnecting:not([hidden])', { timeout: 10_000 });
    let lastId = 0;
    for (let i = 0; i < 3; i++) {
      const res = await upload(e2e.server().url, await syntheticJpeg(320, 320, 900 + i), { event: 'london' });
      lastId = ((await res.json()) as { id: number }).id;
    }
    const behind = await page.evaluate(
      () => (window as unknown as { kiss: { feed: { mosaic: { seq: number } } } }).kiss.feed.mosaic.seq,
    );
    expect(behind).toBeLessThan(serverSeq());

    cut = false;
    await waitForSeq(page, serverSeq(), 30_000);
    await page.waitForSelector('#reconnecting[hidden]', { state: 'attached', timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    const state = await page.evaluate(() => {
      const m = (window as unknown as { kiss: { feed: { mosaic: { size: number; seq: number } } } }).kiss.feed
        .mosaic;
      return { size: m.size, seq: m.seq };
    });
    expect(state).toEqual({ size: e2e.server().app.service.tileCount, seq: serverSeq() });
    await settle(page);
    const got = await cellColour(page, lastId);
    expect(colourDistance(got, await expectedColour(page, lastId))).toBeLessThan(45);
  });

  it('the screen reloads itself once the server speaks a newer protocol, keeps its pause, and goes live', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1, locale: 'en-GB' });
    const page = await ctx.newPage();
    const older = await asOlderPage(page);
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await waitForSeq(page, serverSeq());
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    await page.keyboard.press('p');
    await page.waitForSelector('#paused:not([hidden])');
    await page.evaluate(() => {
      (window as unknown as { noReload: boolean }).noReload = true;
    });

    older.on = true;
    for (const ws of older.open.splice(0)) await ws.close();
    await page.waitForSelector('#updating:not([hidden])', { timeout: 10_000 });
    expect(older.refused).toBeGreaterThan(0);
    expect(await page.textContent('#updating')).toBe(
      'A new version is out. This screen reloads itself in a moment…',
    );
    expect(await page.isHidden('#reconnecting')).toBe(true);
    older.on = false;

    // It reloads by itself, and comes back live and still paused.
    await page.waitForFunction(
      () => (window as unknown as { noReload?: boolean }).noReload === undefined,
      null,
      {
        timeout: 15_000,
      },
    );
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    await waitForSeq(page, serverSeq());
    expect(await page.isHidden('#updating')).toBe(true);
    expect(await page.isVisible('#paused')).toBe(true);
    expect(await page.textContent('#pause')).toBe('Resume (P)');
    await ctx.close();
  });

  it('a viewer whose page speaks an older protocol is told so, with a button that reloads it', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'es-ES' });
    const page = await ctx.newPage();
    const older = await asOlderPage(page, true);
    await page.goto(`${e2e.server().url}/?event=london`);
    await page.waitForSelector('#status .status-reload');
    expect(older.refused).toBeGreaterThan(0);
    expect(await page.textContent('#status')).toBe(
      'Hay una versión nueva. Recarga la página, por favor. Recargar',
    );
    await page.screenshot({
      path: join(import.meta.dirname, '../../test-results/shots/view-outdated-phone-es.png'),
    });
    older.on = false;
    await page.focus('#status .status-reload');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    expect(new URL(page.url()).search).toBe('?event=london');
    expect(await page.textContent('#status')).toBe('');
    await ctx.close();
  });

  it('a viewer refused before its mosaic is drawn keeps saying so once the mosaic is there', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'es-ES' });
    const page = await ctx.newPage();
    await asOlderPage(page, true);
    // The board's WebGL renderer comes late, so the refusal is there before the first layout is drawn.
    const renderer = builtChunk(
      /node_modules\/pixi\.js\/lib\/rendering\/renderers\/gl\/WebGLRenderer\.mjs$/,
    ).file;
    await page.route(
      (u) => u.pathname === renderer,
      async (route) => {
        await new Promise((r) => setTimeout(r, 1500));
        await route.continue();
      },
    );
    await page.goto(`${e2e.server().url}/?event=london`);
    await page.waitForSelector('#status .status-reload');
    expect(await page.evaluate(() => performance.getEntriesByName('kiss:board-ready').length)).toBe(0);
    // What waited for the board, the first layout among it, has run: that ends "Loading…", not the
    // new version's message.
    await page.waitForFunction(() => performance.getEntriesByName('kiss:early-drawn').length > 0);
    expect(
      await page.evaluate(() => (window as unknown as { kiss: { board: { cols: number } } }).kiss.board.cols),
    ).toBe(8);
    expect(await page.textContent('#status')).toBe(
      'Hay una versión nueva. Recarga la página, por favor. Recargar',
    );
    await ctx.close();
  });

  it('a viewer with the card of a kiss open is told of a new version on the card, its Reload button in reach', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: 'fr-FR' });
    const page = await ctx.newPage();
    const older = await asOlderPage(page);
    const { id } = (await (await upload(e2e.server().url, await syntheticJpeg(320, 320, 140))).json()) as {
      id: number;
    };
    await page.goto(`${e2e.server().url}/t/${id}`);
    await page.waitForSelector('#tile[open] #tile-img[src]');
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    const close = await page.locator('#tile-close').boundingBox();

    // A deploy: the socket drops, and the page's next handshake speaks an older protocol.
    older.on = true;
    for (const ws of older.open.splice(0)) await ws.close();
    const reload = page.locator('#tile > #status .status-reload');
    await reload.waitFor();
    expect(older.refused).toBeGreaterThan(0);
    expect(await page.textContent('#status')).toBe(
      'Une nouvelle version est sortie. Rechargez la page, s’il vous plaît. Recharger',
    );
    // On the card, in view, on top (the backdrop covers the board's status), and moving nothing.
    const box = (await reload.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    expect(
      await page.evaluate(
        ([x, y]) => document.elementFromPoint(x!, y!)?.classList.contains('status-reload'),
        [box.x + box.width / 2, box.y + box.height / 2],
      ),
    ).toBe(true);
    expect(await page.locator('#tile-close').boundingBox()).toEqual(close);
    await page.screenshot({
      path: join(import.meta.dirname, '../../test-results/shots/view-outdated-card-phone-fr.png'),
    });
    expect(await axeViolations(page, '#tile')).toEqual([]);
    // Closed, the card gives the message back to the board.
    await page.keyboard.press('Escape');
    await page.waitForSelector('main #status .status-reload');

    older.on = false;
    await page.locator('#status .status-reload').click();
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    expect(await page.textContent('#status')).toBe('');
    await ctx.close();
  });

  it('the event screen flies to the kisses that arrive while it runs, not to those that came before it opened', async () => {
    const url = e2e.server().url;
    // The view a page starts from may be a cached one a few kisses behind: the live feed's
    // catch-up brings those, and they are not new to the crowd.
    await fetch(`${url}/api/mosaic/view`);
    for (let i = 0; i < 3; i++)
      await upload(url, await syntheticJpeg(320, 320, 950 + i), { event: 'london' });
    const behind = Number((await fetch(`${url}/api/mosaic/view`)).headers.get('x-mosaic-seq'));
    expect(behind).toBeLessThan(serverSeq());
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    // Every cell the screen's highlight marks, from the first script on.
    await page.addInitScript(() => {
      const marked: string[] = [];
      (window as unknown as { marked: string[] }).marked = marked;
      new MutationObserver(() => {
        const h = document.body?.dataset.highlight;
        if (h) marked.push(h);
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-highlight'] });
    });
    await page.goto(`${url}/screen?event=london`);
    await waitForSeq(page, serverSeq());
    await page.waitForFunction(
      () => (window as unknown as { kiss?: { feed: { connected: boolean } } }).kiss?.feed.connected === true,
    );
    await page.waitForTimeout(1500);
    const marked = () => page.evaluate(() => (window as unknown as { marked: string[] }).marked);
    expect(await marked()).toEqual([]);
    // A kiss sent now is flown to.
    const res = await upload(url, await syntheticJpeg(320, 320, 960), { event: 'london' });
    const { col, row } = (await res.json()) as { col: number; row: number };
    await expect.poll(marked, { timeout: 10_000 }).toEqual([`${col},${row}`]);
    await ctx.close();
  });

  it('the event screen keeps itself awake, goes full screen with F or its button, and hides a still pointer', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 960, height: 540 }, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    // What a projector laptop's browser grants this page: the Screen Wake Lock.
    await cdp.send('Browser.setPermission', {
      permission: { name: 'screen-wake-lock' },
      setting: 'granted',
      origin: e2e.server().url,
    });
    await page.goto(`${e2e.server().url}/screen?event=london`);
    await page.waitForFunction(() => document.body.dataset.wakeLock === 'held');
    const button = page.locator('#fullscreen');
    expect(await button.textContent()).toBe('Full screen (F)');

    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === document.documentElement);
    await expect.poll(() => button.textContent()).toBe('Exit full screen (F)');
    expect(await button.getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === null);
    await button.click();
    await page.waitForFunction(() => document.fullscreenElement === document.documentElement);
    await button.click();
    await page.waitForFunction(() => document.fullscreenElement === null);

    // After 3 s without the mouse: no pointer and no button over the mosaic; a move brings them back.
    await page.waitForFunction(() => document.body.classList.contains('idle'), undefined, { timeout: 6_000 });
    expect(await page.evaluate(() => getComputedStyle(document.body).cursor)).toBe('none');
    await page.mouse.move(200, 200);
    await page.mouse.move(220, 210);
    expect(await page.evaluate(() => document.body.classList.contains('idle'))).toBe(false);
    await ctx.close();
  });

  it('the event screen before its script runs: the hashtag, and no empty QR box or unlabelled buttons', async () => {
    const visible = (page: Page, selector: string) =>
      page.evaluate((sel) => {
        const el = document.querySelector(sel)!;
        const r = el.getBoundingClientRect();
        return getComputedStyle(el).visibility === 'visible' && r.width > 0 && r.height > 0;
      }, selector);
    // No script at all: what a slow venue network shows while the page's module downloads.
    const bare = await e2e.browser().newContext({
      viewport: { width: 1920, height: 1080 },
      javaScriptEnabled: false,
    });
    const before = await bare.newPage();
    await before.goto(`${e2e.server().url}/screen?event=london`);
    expect(await before.locator('h1').textContent()).toBe('#kiss4lgbtqrights');
    expect(await visible(before, 'h1')).toBe(true);
    for (const sel of ['.qr', '#pause', '#fullscreen']) expect(await visible(before, sel), sel).toBe(false);
    await bare.close();
    // With it: the code drawn in its white box, and the labelled buttons.
    const page = await open('/screen?event=london', { width: 1920, height: 1080 });
    await page.waitForFunction(() => document.querySelector('.qr')!.classList.contains('drawn'));
    for (const sel of ['h1', '.qr', '#pause', '#fullscreen'])
      expect(await visible(page, sel), sel).toBe(true);
    await page.context().close();
  });

  it('shows every page in Russian with no untranslated key or English leftover', async () => {
    const en = {
      ...(await import('../../client/i18n/en.ts')).en,
      ...(await import('../../client/i18n/console/en.ts')).en,
    };
    const ru = {
      ...(await import('../../client/i18n/ru.ts')).ru,
      ...(await import('../../client/i18n/console/ru.ts')).ru,
    };
    // English strings that differ in Russian: none of them may appear on a Russian page.
    const english = Object.entries(en)
      .filter(([k, v]) => typeof v === 'string' && v !== ru[k as keyof typeof ru] && v.length > 3)
      .map(([, v]) => v as string);
    for (const path of ['/', '/add?event=london', '/screen?event=london', '/admin', '/privacy']) {
      const page = await open(path, { width: 390, height: 844 }, 'ru-RU');
      await page.waitForFunction(() => document.documentElement.lang === 'ru');
      const found = await page.evaluate(() => {
        const texts: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const s = n.textContent?.trim();
          if (s) texts.push(s);
        }
        for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],[alt]')) {
          for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
            const v = el.getAttribute(a);
            if (v) texts.push(v);
          }
        }
        const empty = [...document.querySelectorAll<HTMLElement>('[data-i18n]')]
          .filter((el) => !el.textContent?.trim())
          .map((el) => el.dataset.i18n);
        return { texts, empty };
      });
      expect(found.empty, path).toEqual([]);
      for (const s of found.texts) {
        expect(s, `${path}: "${s}" looks like a message key`).not.toMatch(/^[a-z]+\.[A-Za-z_]+$/);
        expect(s, `${path}: "${s}" has an unfilled placeholder`).not.toMatch(/\{\w+\}/);
        expect(english, `${path}: "${s}" is English`).not.toContain(s);
      }
      await page.context().close();
    }
  });
});
