/**
 * Times the real viewer (`/`) against a running server, e.g. one seeded with `npm run seed`:
 *   npx tsx scripts/timeOverview.ts http://127.0.0.1:3000 [4g|fast3g|wifi|loopback]
 * as a phone meets it (390x844 at DPR 2, Chromium's network and CPU throttling; 4G unless the
 * second argument names another profile): navigation -> `mosaic:overview` -> `mosaic:live`,
 * three page loads, with the bytes before the overview and where the time went.
 * `npm run bench -- viewer` does the same against a server it starts itself.
 */
import { chromium } from 'playwright-core';
import { type NetProfile, PROFILES, timePhoneLoad } from '../test/bench/phoneTiming.ts';
import { CHROMIUM_ARGS } from '../test/e2e/harness.ts';

const url = process.argv[2] ?? 'http://127.0.0.1:3000';
const byName: Record<string, NetProfile> = {
  '4g': PROFILES.fourG,
  fast3g: PROFILES.fast3G,
  wifi: PROFILES.wifi,
  loopback: PROFILES.loopback,
};
const profile = byName[(process.argv[3] ?? '4g').toLowerCase()];
if (!profile) {
  console.error(`Unknown profile ${process.argv[3]}: use one of ${Object.keys(byName).join(', ')}.`);
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
console.log(profile.name);
for (let run = 0; run < 3; run++) {
  const r = await timePhoneLoad(browser, url, profile);
  console.log(
    `run ${run}: mosaic:overview ${r.overviewMs} ms (${(r.bytes / 1024).toFixed(0)} KB before it), mosaic:live ${r.liveMs} ms`,
  );
  console.log(`  ${r.marks.join(' | ')}`);
}
await browser.close();
