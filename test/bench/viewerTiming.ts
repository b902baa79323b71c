/**
 * Times the real viewer (`/`) against a running server: navigation -> the snapshot applied
 * -> two frames drawn. Used by test/bench/viewer.ts and scripts/timeOverview.ts. No `run`
 * export: a helper.
 */
import type { Browser } from 'playwright-core';

export interface ViewerLoad {
  /** ms after navigation until the page's mosaic holds the server's seq. */
  applied: number;
  /** ms after navigation until two more frames were drawn. */
  drawn: number;
  /** The page's own marks and its biggest downloads, ms after navigation. */
  steps: string[];
}

export interface LoadOptions {
  /**
   * Refuse the page's HTTP snapshot (the preload), so the snapshot comes over Socket.IO
   * after the scripts have loaded: how the viewer loaded before the preload.
   */
  socketOnly?: boolean;
  screenshot?: string;
}

export async function timeViewerLoad(
  browser: Browser,
  url: string,
  opts: LoadOptions = {},
): Promise<ViewerLoad> {
  const info = (await (await fetch(`${url}/api/mosaic`)).json()) as { seq: number };
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  if (opts.socketOnly) await page.route('**/api/mosaic/snapshot', (r) => r.abort());
  const t0 = Date.now();
  await page.goto(`${url}/`);
  await page.waitForFunction(
    (s) =>
      ((window as unknown as { kiss?: { feed: { mosaic: { seq: number } } } }).kiss?.feed.mosaic.seq ?? -1) >=
      s,
    info.seq,
    { timeout: 120_000, polling: 20 },
  );
  const applied = Date.now() - t0;
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const drawn = Date.now() - t0;
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  const steps = await page.evaluate(() => {
    const out: string[] = [];
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    out.push(
      `html ${Math.round(nav.responseEnd)}`,
      `DOMContentLoaded ${Math.round(nav.domContentLoadedEventEnd)}`,
    );
    for (const r of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      if (r.name.includes('/api/mosaic'))
        out.push(`${new URL(r.name).pathname} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)}`);
    }
    for (const m of performance.getEntriesByType('mark')) out.push(`${m.name} ${Math.round(m.startTime)}`);
    return out;
  });
  await page.close();
  return { applied, drawn, steps };
}
