/**
 * Times the real viewer (`/`) against a running server, e.g. one seeded with `npm run seed`:
 *   npx tsx scripts/timeOverview.ts http://127.0.0.1:3000
 * navigation -> snapshot applied -> two frames drawn, three page loads, with where the time
 * went. `npm run bench -- viewer` does the same against a server it starts itself.
 */
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { timeViewerLoad } from '../test/bench/viewerTiming.ts';
import { CHROMIUM_ARGS } from '../test/e2e/harness.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:3000';
mkdirSync('test-results', { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
for (let run = 0; run < 3; run++) {
  const r = await timeViewerLoad(browser, url, run === 0 ? { screenshot: 'test-results/overview.png' } : {});
  console.log(
    `run ${run}: snapshot applied ${r.applied} ms, two frames drawn ${r.drawn} ms after navigation`,
  );
  console.log(`  ${r.steps.join(' | ')}`);
}
await browser.close();
