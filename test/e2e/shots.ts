/**
 * Screenshots of every page at phone, desktop and screen sizes, for people to look at:
 *   npx tsx test/e2e/shots.ts [outDir]
 * Seeds a small mosaic with synthetic photos first.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { launchBrowser, startE2EServer, waitForSeq } from './harness.ts';

const out = resolve(process.argv[2] ?? 'test-results/shots');
mkdirSync(out, { recursive: true });
const TOKEN = 'shots-admin-token-0123456789';
// Shown as deployed: with the public address phones open (else the screen and the console warn
// that their QR codes lead to this machine's own).
const server = await startE2EServer({
  ADMIN_TOKEN: TOKEN,
  MOSAIC_COLS: '24',
  MOSAIC_ROWS: '24',
  PUBLIC_URL: 'http://kiss4lgbtqrights.example',
});
let seq = 0;
for (let i = 1; i <= Number(process.env.SHOT_TILES ?? 120); i++) {
  const res = await upload(
    server.url,
    await syntheticJpeg(400, 400, i),
    i % 3 === 0 ? { event: 'london' } : {},
  );
  seq = ((await res.json()) as { seq: number }).seq;
}
const browser = await launchBrowser();
const sizes = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
  wide: { width: 1920, height: 1080 },
} as const;
const pages: Array<[string, string, ReadonlyArray<keyof typeof sizes | 'screen'>]> = [
  ['view', '/', ['phone', 'desktop', 'wide']],
  ['add', '/add?event=london', ['phone', 'desktop', 'wide']],
  ['privacy', '/privacy', ['phone', 'desktop', 'wide']],
  ['admin', '/admin', ['phone', 'desktop', 'wide']],
  ['console', '/admin', ['phone', 'desktop', 'wide']],
  ['screen', '/screen?event=london', ['phone', 'desktop', 'screen']],
];
const lang = process.env.SHOT_LANG ?? 'en';
for (const [name, path, kinds] of pages) {
  for (const kind of kinds) {
    const viewport = kind === 'screen' ? { width: 1920, height: 1080 } : sizes[kind];
    const ctx = await browser.newContext({ viewport, locale: lang, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`[${name}] ${m.text()}`);
    });
    await page.goto(server.url + path);
    if (name === 'view' || name === 'screen') await waitForSeq(page, seq);
    if (name === 'console') {
      await page.fill('#token', TOKEN);
      await page.press('#token', 'Enter');
      await page.waitForSelector('#stat-rallies th');
    }
    await page.waitForTimeout(1200);
    await page.screenshot({
      path: resolve(out, `${name}-${kind}-${lang}.png`),
      fullPage: name === 'console',
    });
    await ctx.close();
  }
}
// The contribute flow: a chosen photo with its crop preview, then the success view.
for (const [kind, viewport] of Object.entries(sizes)) {
  const ctx = await browser.newContext({ viewport, locale: lang, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/add?event=london`);
  const { writeFileSync } = await import('node:fs');
  const photo = resolve(out, 'photo.jpg');
  writeFileSync(photo, await syntheticJpeg(900, 600, 777));
  await page.setInputFiles('#file', photo);
  await page.check('#hide-faces');
  await page.waitForSelector('#preview-box:not([hidden])');
  await page.screenshot({ path: resolve(out, `add-chosen-${kind}-${lang}.png`), fullPage: true });
  await page.check('#consent');
  await page.click('#send');
  await page.waitForSelector('#done-view:not([hidden])');
  await page.waitForTimeout(3500);
  await page.screenshot({ path: resolve(out, `add-done-${kind}-${lang}.png`), fullPage: true });
  const del = await page.inputValue('#delete-link');
  await page.goto(del);
  await page.screenshot({ path: resolve(out, `add-delete-${kind}-${lang}.png`) });
  await page.goto(`${server.url}/t/5`);
  await page.waitForSelector('#tile[open]');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: resolve(out, `view-tile-${kind}-${lang}.png`) });
  await ctx.close();
}
await browser.close();
await server.stop();
console.log(`screenshots in ${out}`);
