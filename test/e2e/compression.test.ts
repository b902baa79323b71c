/**
 * End to end: the viewer and the event screen in Chromium with compressed scripts and
 * pages. Each marks `mosaic:overview` once, on the first frame drawn at the server's seq,
 * and logs no error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

beforeAll(async () => {
  for (let i = 1; i <= 3; i++) await upload(e2e.server().url, await syntheticJpeg(320, 320, 40 + i));
});

describe('compressed client in Chromium', () => {
  it.each(['/', '/screen?event=london'])(
    '%s loads its scripts compressed and marks mosaic:overview at the server seq',
    async (path) => {
      const page = await e2e.browser().newPage({ viewport: { width: 1024, height: 700 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const codings = new Map<string, string | undefined>();
      page.on('response', async (r) => {
        const url = new URL(r.url());
        if (url.pathname === '/' || url.pathname === '/screen' || url.pathname.endsWith('.js')) {
          codings.set(url.pathname, (await r.allHeaders())['content-encoding']);
        }
      });
      const seq = e2e.server().app.service.seq;
      await page.goto(e2e.server().url + path);
      await page.waitForFunction(() => performance.getEntriesByName('mosaic:overview').length > 0, null, {
        timeout: 30_000,
      });
      const seen = await page.evaluate(() => ({
        marks: performance.getEntriesByName('mosaic:overview').length,
        seq: (window as unknown as { kiss: { feed: { mosaic: { seq: number; size: number } } } }).kiss.feed
          .mosaic.seq,
        size: (window as unknown as { kiss: { feed: { mosaic: { size: number } } } }).kiss.feed.mosaic.size,
      }));
      expect(seen).toEqual({ marks: 1, seq, size: 3 });
      // The page and its biggest scripts came compressed (the smallest have no sibling).
      const page0 = path === '/' ? '/' : '/screen';
      expect(['br', 'gzip']).toContain(codings.get(page0));
      const compressed = [...codings.values()].filter((c) => c === 'br' || c === 'gzip');
      expect(compressed.length).toBeGreaterThan(3);
      // A moment more for late errors (workers, WebGL) to show.
      await page.waitForTimeout(300);
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});
