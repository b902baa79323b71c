/**
 * End to end: the viewer without a mouse and without motion. The mosaic as one tab stop with a
 * focus cell that the arrows move and the camera follows, Enter/Escape on its tile's dialog,
 * what the focused cell is said to hold, "find my kiss" by number and by permalink, Pause and
 * Resume of the live updates (seen in the canvas's pixels), reduced motion and its switch, the
 * pan buttons, and the count said at most once a minute. Both ways of drawing the mosaic: its
 * cells whole (small mosaics) and from the live colour pyramid (VIEW_CELLS_MAX_TILES=0).
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { type E2EServer, launchBrowser, startE2EServer, waitForSeq } from './harness.ts';
import { cellColour, cellColourIn, colourDistance, expectedColour, settle } from './pixels.ts';

interface Placed {
  id: number;
  col: number;
  row: number;
}

const MODES = [
  ['whole cells', {}],
  ['the colour pyramid', { VIEW_CELLS_MAX_TILES: '0' }],
] as const;
let browser: Browser;
let seed = 500;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function send(server: E2EServer, fields: Record<string, string> = {}): Promise<Placed> {
  const res = await upload(server.url, await syntheticJpeg(240, 240, seed++), fields);
  expect(res.status).toBe(201);
  return (await res.json()) as Placed;
}

async function open(server: E2EServer, path = '/', more: BrowserContextOptions = {}): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 }, locale: 'en', ...more });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`${path}: ${e.message}`));
  await page.goto(server.url + path);
  await waitForSeq(page, server.app.service.snapshot().seq);
  await settle(page);
  return page;
}

const focused = (page: Page) =>
  page.evaluate(() => {
    type B = { focusedCell: [number, number] | null };
    return (window as unknown as { kiss: { board: B } }).kiss.board.focusedCell;
  });

/** The focused cell's centre is inside the board's viewport. */
const focusOnScreen = (page: Page) =>
  page.evaluate(() => {
    type B = {
      focusedCell: [number, number] | null;
      cellToScreen(c: number, r: number): [number, number];
      viewport: { width: number; height: number };
    };
    const b = (window as unknown as { kiss: { board: B } }).kiss.board;
    const [x, y] = b.cellToScreen(...b.focusedCell!);
    return x > 0 && y > 0 && x < b.viewport.width && y < b.viewport.height;
  });

const closed = (page: Page) =>
  page.waitForFunction(() => !document.querySelector<HTMLDialogElement>('#tile')?.open);

const isCanvas = (page: Page) => page.evaluate(() => document.activeElement?.tagName === 'CANVAS');

/** Tabs from the top of the page until the mosaic has the focus; the number of presses. */
async function tabToMosaic(page: Page): Promise<number> {
  for (let n = 1; n <= 12; n++) {
    await page.keyboard.press('Tab');
    if (await isCanvas(page)) return n;
  }
  throw new Error('Tab never reached the mosaic');
}

/** Moves the focus cell to (col, row) with the arrow keys. */
async function arrowTo(page: Page, col: number, row: number): Promise<void> {
  const [c0, r0] = (await focused(page))!;
  const h = col > c0 ? 'ArrowRight' : 'ArrowLeft';
  const v = row > r0 ? 'ArrowDown' : 'ArrowUp';
  for (let i = 0; i < Math.abs(col - c0); i++) await page.keyboard.press(h);
  for (let i = 0; i < Math.abs(row - r0); i++) await page.keyboard.press(v);
  expect(await focused(page)).toEqual([col, row]);
}

describe.each(MODES)('the viewer from the keyboard, drawn from %s', (_mode, env) => {
  let server: E2EServer;
  const placed: Placed[] = [];

  beforeAll(async () => {
    server = await startE2EServer({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8', ...env });
    placed.push(await send(server, { event: 'london' }));
    for (let i = 0; i < 3; i++) placed.push(await send(server));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('Tab reaches the mosaic, arrows move the focus cell, Enter opens its tile, Escape comes back', async () => {
    const page = await open(server);
    const canvas = page.locator('canvas');
    expect(await canvas.getAttribute('role')).toBe('application');
    expect(await canvas.getAttribute('aria-label')).toBe(
      `Mosaic of ${placed.length} kisses forming a picture of two people kissing`,
    );
    expect(await page.textContent(`#${await canvas.getAttribute('aria-describedby')}`)).toContain(
      'Arrow keys move between cells',
    );
    // One tab stop: the next Tab leaves for the pan buttons.
    await tabToMosaic(page);
    expect(await focused(page)).not.toBeNull();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pan-up');
    await page.keyboard.press('Shift+Tab');
    expect(await isCanvas(page)).toBe(true);

    // The rally tile: the arrows lead there and the cell is said with its number and rally.
    const [rally] = placed;
    await arrowTo(page, rally!.col, rally!.row);
    expect(await focusOnScreen(page)).toBe(true);
    await expect
      .poll(() => page.textContent('#cell-said'))
      .toBe(`Kiss #${rally!.id}, row ${rally!.row + 1}, column ${rally!.col + 1}. Rally: london`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#tile[open]');
    expect(await page.textContent('#tile-title')).toBe(`Kiss #${rally!.id}`);
    await page.keyboard.press('Escape');
    await closed(page);
    expect(await isCanvas(page)).toBe(true);
    expect(await focused(page)).toEqual([rally!.col, rally!.row]);

    // An empty cell is said to be empty, and Enter opens nothing.
    const taken = new Set(placed.map((p) => `${p.col},${p.row}`));
    const empty = [...Array(64).keys()].map((c) => [c % 8, Math.floor(c / 8)] as const);
    const [ec, er] = empty.find(([c, r]) => !taken.has(`${c},${r}`))!;
    await arrowTo(page, ec, er);
    await expect
      .poll(() => page.textContent('#cell-said'))
      .toBe(`Empty cell, row ${er + 1}, column ${ec + 1}`);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    expect(await page.locator('#tile[open]').count()).toBe(0);

    // Space opens too; the dialog's number is the focused tile's.
    const other = placed[2]!;
    await arrowTo(page, other.col, other.row);
    await page.keyboard.press(' ');
    await page.waitForSelector('#tile[open]');
    expect(await page.textContent('#tile-title')).toBe(`Kiss #${other.id}`);
    await page.keyboard.press('Escape');
    await closed(page);
    expect(await isCanvas(page)).toBe(true);
    await page.context().close();
  }, 90_000);

  it('zooms about the focus cell, follows it, jumps a screen with Page Down, and Home shows everything', async () => {
    const page = await open(server);
    const cam = () =>
      page.evaluate(
        () =>
          (window as unknown as { kiss: { board: { camera: { scale: number; cy: number } } } }).kiss.board
            .camera,
      );
    const whole = await cam();
    await tabToMosaic(page);
    await arrowTo(page, 0, 0);
    for (let i = 0; i < 4; i++) await page.keyboard.press('+');
    const near = await cam();
    expect(near.scale / whole.scale).toBeCloseTo(1.5 ** 4, 1);
    expect(await focusOnScreen(page)).toBe(true);
    // Walk right across the mosaic: the camera follows the focus cell.
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('ArrowRight');
      expect(await focusOnScreen(page)).toBe(true);
    }
    await page.keyboard.press('PageDown');
    const down = await cam();
    expect((await focused(page))![1]).toBeGreaterThan(0);
    expect(down.cy).toBeGreaterThan(near.cy);
    expect(await focusOnScreen(page)).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(async () => (await cam()).scale, { timeout: 5000 }).toBeCloseTo(whole.scale, 3);
    await page.context().close();
  }, 60_000);

  it('finds a kiss by its number and by its permalink, and says when there is none', async () => {
    const page = await open(server);
    const target = placed[1]!;
    await page.fill('#find-input', String(target.id));
    await page.press('#find-input', 'Enter');
    await page.waitForSelector('#tile[open]');
    expect(await page.textContent('#tile-title')).toBe(`Kiss #${target.id}`);
    expect(new URL(page.url()).pathname).toBe(`/t/${target.id}`);
    await page.keyboard.press('Escape');
    await closed(page);

    const other = placed[3]!;
    await page.fill('#find-input', `${server.url}/t/${other.id}`);
    await page.click('#find-go');
    await page.waitForSelector('#tile[open]');
    expect(await page.textContent('#tile-title')).toBe(`Kiss #${other.id}`);
    await settle(page);
    const cam = await page.evaluate(
      () => (window as unknown as { kiss: { board: { camera: { scale: number } } } }).kiss.board.camera,
    );
    expect(cam.scale).toBeGreaterThan(100);
    await page.keyboard.press('Escape');
    // The modal dialog makes the rest of the page inert until it has closed: an Enter typed
    // before would go nowhere.
    await closed(page);

    await page.fill('#find-input', '/t/987654');
    await page.press('#find-input', 'Enter');
    await expect.poll(() => page.textContent('#find-error')).toBe('There is no kiss #987,654 in the mosaic.');
    expect(await page.getAttribute('#find-input', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#find-input', 'aria-describedby')).toBe('find-error');
    await page.fill('#find-input', 'my kiss');
    expect(await page.getAttribute('#find-input', 'aria-invalid')).toBeNull();
    await page.press('#find-input', 'Enter');
    await expect
      .poll(() => page.textContent('#find-error'))
      .toBe('Type the number of a kiss, like 1234, or paste its link.');
    expect(await page.locator('#tile[open]').count()).toBe(0);
    await page.context().close();
  }, 60_000);

  it("opens a kiss's link followed the moment it is sent, and says when a link's kiss is not in the mosaic", async () => {
    // The page's first layout is the server's last whole snapshot; a kiss sent since then
    // arrives just after it, with the live feed's catch-up.
    for (let round = 0; round < 3; round++) {
      const kiss = await send(server);
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en' });
      const page = await ctx.newPage();
      await page.goto(`${server.url}/t/${kiss.id}`);
      await page.waitForSelector('#tile[open]');
      expect(await page.textContent('#tile-title')).toBe(`Kiss #${kiss.id}`);
      await ctx.close();
    }
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/t/987654`);
    await expect
      .poll(() => page.textContent('#find-error'), { timeout: 15_000 })
      .toBe('There is no kiss #987,654 in the mosaic.');
    expect(await page.inputValue('#find-input')).toBe('987654');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('find-input');
    expect(await page.locator('#tile[open]').count()).toBe(0);
    await ctx.close();
  }, 60_000);
});

describe('live updates: pause, reduced motion, pan buttons and the count', () => {
  let server: E2EServer;

  beforeAll(async () => {
    server = await startE2EServer({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });
    for (let i = 0; i < 3; i++) await send(server);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('Pause holds a new tile off the canvas until Resume', async () => {
    const page = await open(server);
    const pause = page.getByRole('button', { name: 'Pause' });
    expect(await pause.getAttribute('aria-pressed')).toBe('false');
    await pause.click();
    expect(await pause.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.textContent('#status')).toContain('Paused.');
    const counted = await page.textContent('#counter');
    const before = await page.screenshot();
    const tile = await send(server);
    // The feed keeps up, so nothing is missed; the board holds the change.
    await waitForSeq(page, server.app.service.snapshot().seq);
    await page.waitForTimeout(1500);
    expect(await page.textContent('#counter')).toBe(counted);
    const held = await cellColour(page, tile.id);
    const was = await cellColourIn(before, page, tile.id);
    expect(colourDistance(held, was), `paused cell ${held}, before ${was}`).toBeLessThan(6);

    await pause.click();
    expect(await pause.getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => page.textContent('#counter')).not.toBe(counted);
    await settle(page);
    const shown = await cellColour(page, tile.id);
    expect(colourDistance(shown, await expectedColour(page, tile.id))).toBeLessThan(45);
    await page.context().close();
  }, 60_000);

  it('with reduced motion an arrival and a found kiss do not animate; the switch is remembered', async () => {
    const page = await open(server, '/', { reducedMotion: 'reduce' });
    expect(await page.getAttribute('#motion', 'aria-pressed')).toBe('true');
    await watchMotion(page);
    const tile = await send(server);
    await waitForSeq(page, server.app.service.snapshot().seq);
    await page.waitForTimeout(800);
    expect(await motion(page)).toEqual([]);
    // Found by number: the camera jumps to the tile, it does not fly.
    await page.fill('#find-input', String(tile.id));
    await page.press('#find-input', 'Enter');
    await page.waitForSelector('#tile[open]');
    expect((await motion(page)).filter((m) => m !== 'camera moved')).toEqual([]);
    const cam = await page.evaluate(
      () => (window as unknown as { kiss: { board: { camera: { scale: number } } } }).kiss.board.camera,
    );
    expect(cam.scale).toBeGreaterThan(100);
    await page.context().close();

    // No system preference: the switch turns motion off, and the choice stays on reload.
    const full = await open(server);
    expect(await full.getAttribute('#motion', 'aria-pressed')).toBe('false');
    await full.getByRole('button', { name: 'Less motion' }).click();
    expect(await full.getAttribute('#motion', 'aria-pressed')).toBe('true');
    await full.reload();
    await waitForSeq(full, server.app.service.snapshot().seq);
    await settle(full);
    expect(await full.getAttribute('#motion', 'aria-pressed')).toBe('true');
    await watchMotion(full);
    await send(server);
    await waitForSeq(full, server.app.service.snapshot().seq);
    await full.waitForTimeout(800);
    expect(await motion(full)).toEqual([]);
    await full.context().close();
  }, 90_000);

  it('pans with the buttons, and says the count once for several arrivals', async () => {
    const page = await open(server);
    const cam = () =>
      page.evaluate(
        () =>
          (window as unknown as { kiss: { board: { camera: { scale: number; cx: number; cy: number } } } })
            .kiss.board.camera,
      );
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    const c0 = await cam();
    await page.getByRole('button', { name: 'Move right' }).click();
    const c1 = await cam();
    expect(c1.cx).toBeGreaterThan(c0.cx);
    await page.getByRole('button', { name: 'Move down' }).click();
    expect((await cam()).cy).toBeGreaterThan(c1.cy);
    await page.getByRole('button', { name: 'Move left' }).click();
    await page.getByRole('button', { name: 'Move up' }).click();
    const c2 = await cam();
    expect(c2.cx).toBeCloseTo(c0.cx, 3);
    expect(c2.cy).toBeCloseTo(c0.cy, 3);

    const said: string[] = [];
    await page.exposeFunction('countSaid', (s: string) => said.push(s));
    await page.evaluate(() => {
      const el = document.getElementById('count-said')!;
      const w = window as unknown as { countSaid(s: string): void };
      new MutationObserver(() => w.countSaid(el.textContent ?? '')).observe(el, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    });
    for (let i = 0; i < 3; i++) {
      await send(server);
      await waitForSeq(page, server.app.service.snapshot().seq);
    }
    await page.waitForTimeout(500);
    const n = server.app.service.tileCount;
    expect(await page.textContent('#counter')).toBe(`${n} kisses`);
    // The first change is said at once; the others wait for the minute to pass.
    expect(said).toEqual([`The mosaic now has ${n - 2} kisses`]);
    expect(await page.getAttribute('#counter', 'aria-live')).toBeNull();
    await page.context().close();
  }, 60_000);
});

/** Records, every frame, a camera flight, a camera move or a fly-in. */
async function watchMotion(page: Page): Promise<void> {
  await page.evaluate(() => {
    type B = { animating: boolean; camera: object; stats(): { arrivals: number } };
    const b = (window as unknown as { kiss: { board: B } }).kiss.board;
    const start = JSON.stringify(b.camera);
    const w = window as unknown as { motion: Set<string> };
    w.motion = new Set();
    const frame = () => {
      if (b.animating) w.motion.add('camera flight');
      if (JSON.stringify(b.camera) !== start) w.motion.add('camera moved');
      if (b.stats().arrivals > 0) w.motion.add('fly-in');
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

const motion = (page: Page) =>
  page.evaluate(() => [...(window as unknown as { motion: Set<string> }).motion]);
