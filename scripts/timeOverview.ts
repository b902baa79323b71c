/**
 * Times the real viewer (`/`) against a running server, e.g. one seeded with `npm run seed`:
 *   npx tsx scripts/timeOverview.ts http://127.0.0.1:3000
 * navigation -> snapshot applied -> two frames drawn, three page loads.
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../test/e2e/harness.ts';

const url = process.argv[2]!;
const info = await (await fetch(`${url}/api/mosaic`)).json();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
for (let run = 0; run < 3; run++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t0 = Date.now();
  await page.goto(url + '/');
  await page.waitForFunction(
    (s) =>
      ((window as unknown as { kiss?: { feed: { mosaic: { seq: number } } } }).kiss?.feed.mosaic.seq ?? -1) >=
      s,
    info.seq,
    { timeout: 60000, polling: 20 },
  );
  const tSeq = Date.now() - t0;
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const tDrawn = Date.now() - t0;
  if (run === 0) await page.screenshot({ path: 'test-results/overview.png' });
  // Where the time went: the page's own marks and the biggest downloads, ms after navigation.
  const steps = await page.evaluate(() => {
    const out: string[] = [];
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    out.push(
      `html ${Math.round(nav.responseEnd)}`,
      `DOMContentLoaded ${Math.round(nav.domContentLoadedEventEnd)}`,
    );
    for (const r of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
      if (r.name.includes('/assets/') || r.name.includes('/api/mosaic'))
        out.push(`${new URL(r.name).pathname} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)}`);
    }
    for (const m of performance.getEntriesByType('mark')) out.push(`${m.name} ${Math.round(m.startTime)}`);
    return out;
  });
  console.log(`  ${steps.join(' | ')}`);
  console.log(
    `run ${run}: ${info.tileCount} tiles, snapshot applied ${tSeq} ms, two frames drawn ${tDrawn} ms after navigation`,
  );
  await page.close();
}
await browser.close();
