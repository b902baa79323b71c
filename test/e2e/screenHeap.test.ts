/**
 * The event screen runs for hours: its JS heap must stay flat while 1,000 tiles arrive
 * through the real server, each one highlighted (zoom in, hold, zoom out) and animated.
 */
import { expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { waitForSeq } from './harness.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '40', MOSAIC_ROWS: '40' });

async function uploadMany(n: number, from: number): Promise<void> {
  const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => syntheticJpeg(240, 240, from + i)));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const i = next++;
        const res = await upload(
          e2e.server().url,
          photos[i % photos.length]!,
          i % 2 ? { event: 'london' } : {},
        );
        expect(res.status).toBe(201);
      }
    }),
  );
}

it('keeps a flat heap over 1,000 arrivals', { timeout: 400_000 }, async () => {
  const page = await e2e.browser().newPage({ viewport: { width: 960, height: 540 } });
  const cdp = await page.context().newCDPSession(page);
  const heap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
  };
  await page.goto(`${e2e.server().url}/screen?event=london`);
  const seq = () => e2e.server().app.service.snapshot().seq;
  // Warm up: code paths, pools, caches and the photo budget fill once.
  await uploadMany(150, 1);
  await waitForSeq(page, seq(), 60_000);
  const before = await heap();
  await uploadMany(425, 50);
  await waitForSeq(page, seq(), 120_000);
  const middle = await heap();
  await uploadMany(425, 500);
  await waitForSeq(page, seq(), 120_000);
  const after = await heap();
  const tiles = await page.evaluate(
    () => (window as unknown as { kiss: { feed: { mosaic: { size: number } } } }).kiss.feed.mosaic.size,
  );
  expect(tiles).toBe(1000);
  const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;
  console.log(
    `screen heap: ${mib(before)} after 150 arrivals, ${mib(middle)} after 575, ${mib(after)} after 1000`,
  );
  // 850 more tiles legitimately cost their model entries (well under 1 MB); anything that
  // grows per arrival (listeners, sprites, queued highlights) would cost far more.
  expect(after - before, `heap ${before} -> ${after} bytes`).toBeLessThan(4 * 1024 * 1024);
  // Bounded caches have filled by the middle: the second half must not grow like the first.
  expect(after - middle, `heap ${middle} -> ${after} bytes`).toBeLessThan(1024 * 1024);
});
