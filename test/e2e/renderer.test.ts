/**
 * The board's renderer: WebGL, or PixiJS's canvas renderer where WebGL is off, and never the
 * WebGPU renderer, which the build leaves out of the pages' first load (vite.config.ts).
 * The built client in Chromium against the real server; colours read from screenshots.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import {
  builtChunk,
  CHROMIUM_ARGS,
  chromiumPath,
  recordCspViolations,
  WEBGPU_RENDERER,
  waitForSeq,
} from './harness.ts';
import { cellColour, colourDistance, expectedColour, settle } from './pixels.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });
const ids: number[] = [];

beforeAll(async () => {
  for (let i = 1; i <= 4; i++) {
    const res = await upload(e2e.server().url, await syntheticJpeg(320, 320, 300 + i));
    ids.push(((await res.json()) as { id: number }).id);
  }
});

/** The built files of PixiJS's WebGPU renderer: its entry and the chunk that holds it. */
function webgpuFiles(): string[] {
  const chunk = builtChunk(WEBGPU_RENDERER);
  return [chunk.file, ...chunk.imports];
}

/** Opens `path` and waits until the board has drawn the whole view, synced with the server. */
async function openLive(browser: Browser, path: string, problems: string[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`${path}: ${e.message}`));
  recordCspViolations(page, problems, path);
  await page.goto(e2e.server().url + path);
  await page.waitForFunction(() => performance.getEntriesByName('mosaic:live').length > 0, null, {
    timeout: 30_000,
  });
  await waitForSeq(page, e2e.server().app.service.snapshot().seq);
  return page;
}

/** The addresses of every script the page fetched. */
function scripts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname)
      .filter((p) => p.endsWith('.js')),
  );
}

/** Which context the board's canvas was made with (asking for the one it has returns it). */
function canvasContext(page: Page): Promise<string> {
  return page.evaluate(() => {
    const c = (window as unknown as { kiss: { board: { canvas: HTMLCanvasElement } } }).kiss.board.canvas;
    if (c.getContext('webgl2')) return 'webgl2';
    if (c.getContext('2d')) return '2d';
    return 'other';
  });
}

/** Each tile's colour on screen is its colour in the page's model. */
async function expectTilesDrawn(page: Page): Promise<void> {
  await settle(page);
  for (const id of ids) {
    expect(colourDistance(await cellColour(page, id), await expectedColour(page, id))).toBeLessThan(40);
  }
}

describe('the board’s renderer', () => {
  it('draws / and /screen with WebGL, and neither page fetches the WebGPU renderer', async () => {
    const files = webgpuFiles();
    expect(files.length).toBeGreaterThan(1);
    const problems: string[] = [];
    for (const path of ['/', '/screen?event=london']) {
      const page = await openLive(e2e.browser(), path, problems);
      expect(await canvasContext(page)).toBe('webgl2');
      const fetched = await scripts(page);
      expect(fetched.length).toBeGreaterThan(3);
      expect(fetched.filter((s) => files.includes(s))).toEqual([]);
      if (path === '/') await expectTilesDrawn(page);
      await page.context().close();
    }
    expect(problems).toEqual([]);
  });

  describe('where WebGL is off', () => {
    let noGl: Browser | undefined;
    beforeAll(async () => {
      noGl = await chromium.launch({
        executablePath: chromiumPath(),
        args: [...CHROMIUM_ARGS, '--disable-3d-apis'],
      });
    });
    afterAll(async () => {
      await noGl?.close();
    });

    it('draws the mosaic with the canvas renderer, without asking for WebGPU', async () => {
      const problems: string[] = [];
      const page = await openLive(noGl!, '/', problems);
      expect(await page.evaluate(() => !!document.createElement('canvas').getContext('webgl2'))).toBe(false);
      expect(await canvasContext(page)).toBe('2d');
      const files = webgpuFiles();
      expect((await scripts(page)).filter((s) => files.includes(s))).toEqual([]);
      await expectTilesDrawn(page);
      expect(problems).toEqual([]);
      await page.context().close();
    });
  });
});
