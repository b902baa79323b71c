/**
 * End to end: the address in the event screen's QR code. It is the server's PUBLIC_URL when it
 * has one, else the page's own; where that is this machine's own (a laptop showing
 * http://localhost:3000/screen), no phone in the crowd could open it, and the screen and the
 * console say so to whoever runs them. The code's modules are read off the canvas and compared
 * with the code of the address they should hold.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'screen-qr-token-0123456789';
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');

/** Whether the screen's QR canvas holds exactly the code of `text` (its dark and light modules). */
async function qrHolds(page: Page, text: string): Promise<boolean> {
  await page.waitForFunction(() => document.querySelector('.qr')?.classList.contains('drawn'));
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = code.modules.size;
  const drawn = await page.evaluate((size) => {
    const canvas = document.getElementById('qr') as HTMLCanvasElement;
    const px = canvas.width / (size + 2);
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const dark: boolean[] = [];
    for (let row = 0; row < size; row++)
      for (let col = 0; col < size; col++) {
        const x = Math.floor((col + 1.5) * px);
        const y = Math.floor((row + 1.5) * px);
        dark.push(data[(y * canvas.width + x) * 4]! < 128);
      }
    return dark;
  }, n);
  return drawn.every((d, i) => d === !!code.modules.get(Math.floor(i / n), i % n));
}

describe('the screen at a server that knows its public address', () => {
  const e2e = useE2E({ PUBLIC_URL: 'http://kiss.example/', ADMIN_TOKEN: TOKEN });

  it("puts PUBLIC_URL in its QR code and under it, and warns no one, even shown from the server's own machine", async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${e2e.server().url}/screen?event=london`);
    expect(await qrHolds(page, 'http://kiss.example/add?event=london')).toBe(true);
    expect(await qrHolds(page, `${e2e.server().url}/add?event=london`)).toBe(false);
    expect(await page.textContent('#qr-url')).toBe('kiss.example/add?event=london');
    expect(await page.isHidden('#qr-local')).toBe(true);
    await ctx.close();
    const admin = await signInAdmin(e2e.browser(), e2e.server().url, TOKEN, { width: 1280, height: 800 });
    await admin.waitForTimeout(500);
    expect(await admin.textContent('#rallies-local')).toBe('');
    await admin.context().close();
  });
});

describe("the screen shown at this machine's own address, with no PUBLIC_URL", () => {
  const e2e = useE2E({ ADMIN_TOKEN: TOKEN });

  it('says, in the screen’s language, that no phone can open its QR code, and the console says it of flyers and screens', async () => {
    const url = e2e.server().url;
    const ctx = await e2e.browser().newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${url}/screen?event=london`);
    expect(await qrHolds(page, `${url}/add?event=london`)).toBe(true);
    expect(await page.textContent('#qr-url')).toBe(`${url.replace('http://', '')}/add?event=london`);
    await page.waitForSelector('#qr-local:not([hidden])');
    expect(await page.textContent('#qr-local')).toBe(
      `Phones cannot open this QR code: it leads to ${url}, this computer’s own address. Open the screen at the address phones use, or start the server with PUBLIC_URL set to that address.`,
    );
    expect(await page.getAttribute('#qr-local', 'role')).toBe('alert');
    await page.screenshot({ path: resolve(SHOTS, 'screen-qr-local-1920.png') });
    await ctx.close();

    const de = await e2e.browser().newContext({ viewport: { width: 1280, height: 800 }, locale: 'de-DE' });
    const dePage = await de.newPage();
    await dePage.goto(`${url}/screen?event=london`);
    await dePage.waitForSelector('#qr-local:not([hidden])');
    expect(await dePage.textContent('#qr-local')).toContain(
      `Handys können diesen QR-Code nicht öffnen: Er führt zu ${url}`,
    );
    await dePage.screenshot({ path: resolve(SHOTS, 'screen-qr-local-de-1280.png') });
    await de.close();

    const admin = await signInAdmin(e2e.browser(), url, TOKEN, { width: 390, height: 844 });
    await admin.waitForFunction(() => document.getElementById('rallies-local')?.textContent !== '');
    expect(await admin.textContent('#rallies-local')).toBe(
      `Flyers and screens opened from here would send phones to ${url}, this computer’s own address, which no phone can open. Open the console at the address phones use, or start the server with PUBLIC_URL set to that address.`,
    );
    // The grid's size under the area takedown comes from the same single answer.
    const grid = await (await fetch(`${url}/api/mosaic`)).json();
    expect(await admin.textContent('#area-help')).toBe(
      `The grid has ${grid.cols} columns and ${grid.rows} rows, counted from 0 at the top left.`,
    );
    const asked = await admin.evaluate(
      () =>
        performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/api/mosaic')
          .length,
    );
    expect(asked).toBe(1);
    await admin.screenshot({ path: resolve(SHOTS, 'console-local-390.png'), fullPage: true });
    await admin.context().close();
  });
});
