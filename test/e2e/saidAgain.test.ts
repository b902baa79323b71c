/**
 * End to end: words that a page builds in code (an error, why an upload waits, a form's title)
 * are said again in the language a person switches to, not left in the one they were shown in.
 * Chromium against the real server.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { de as consoleDe } from '../../client/i18n/console/de.ts';
import { en } from '../../client/i18n/en.ts';
import { es } from '../../client/i18n/es.ts';
import { fr } from '../../client/i18n/fr.ts';
import { ru } from '../../client/i18n/ru.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { readyToSend, signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-said-again-0123';
const PHONE = { width: 390, height: 844 };

const e2e = useE2E({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

async function newPage(locale = 'en-GB'): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport: PHONE, locale });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  return page;
}

async function open(path: string, locale = 'en-GB'): Promise<Page> {
  const page = await newPage(locale);
  await page.goto(`${e2e.server().url}${path}`);
  return page;
}

/** A message whose `{s}` is any number of seconds, as a pattern for the whole text. */
function anySeconds(message: unknown): RegExp {
  if (typeof message !== 'string') throw new Error('a message with plural forms');
  const parts = message.split('{s}').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('\\d+')}$`);
}

const switchTo = (page: Page, code: string) => page.locator('.lang-switch select').first().selectOption(code);

describe('words built by a page, after a language switch', () => {
  it('the viewer’s “find my kiss” error', async () => {
    const page = await open('/');
    await page.waitForSelector('#find-input');
    await page.fill('#find-input', 'my kiss');
    await page.press('#find-input', 'Enter');
    await expect.poll(() => page.textContent('#find-error')).toBe(en['find.invalid']);
    await switchTo(page, 'fr');
    await expect.poll(() => page.textContent('#find-error')).toBe(fr['find.invalid']);
    expect(await page.getAttribute('#find-input', 'aria-invalid')).toBe('true');
    // Typing clears it, and a later switch brings nothing back.
    await page.fill('#find-input', '1');
    expect(await page.textContent('#find-error')).toBe('');
    await switchTo(page, 'de');
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page.textContent('#find-error')).toBe('');
    await page.context().close();
  });

  it('the delete link’s error', async () => {
    const tile = (await (await upload(e2e.server().url, await syntheticJpeg(400, 300, 11))).json()) as {
      id: number;
      deleteToken: string;
    };
    const page = await newPage('es-ES');
    // The removal is cut off on its way.
    await page.route('**/api/tiles/*', (r) =>
      r.request().method() === 'DELETE' ? r.abort('internetdisconnected') : r.continue(),
    );
    await page.goto(`${e2e.server().url}/add?delete=${tile.id}.${tile.deleteToken}`);
    await page.click('#delete-button');
    await expect.poll(() => page.textContent('#delete-error')).toBe(es['error.NETWORK']);
    await switchTo(page, 'ru');
    await expect.poll(() => page.textContent('#delete-error')).toBe(ru['error.NETWORK']);
    // The kiss is still there, and the button tries again.
    expect(await page.isVisible('#delete-button')).toBe(true);
    await page.context().close();
  });

  it('why an upload waits, in its words and in the bar’s value', async () => {
    const page = await newPage();
    // The network drops every try while the browser still says it is online: the page waits and
    // says when it tries again.
    await page.route('**/api/tiles', (r) => r.abort('internetdisconnected'));
    await readyToSend(page, e2e.server().url, await syntheticJpeg(800, 600, 12));
    await page.click('#send');
    await expect.poll(() => page.textContent('#progress-text')).toMatch(anySeconds(en['add.retrying']));
    await switchTo(page, 'ru');
    // The words and the bar's value, read together (each try between the waits says "sending").
    const both = () =>
      page.evaluate(() => [
        document.getElementById('progress-text')?.textContent,
        document.getElementById('progress')?.getAttribute('aria-valuetext'),
      ]);
    const inRussian = anySeconds(ru['add.retrying']);
    await expect.poll(async () => (await both()).every((w) => inRussian.test(w ?? ''))).toBe(true);
    await page.context().close();
  });

  it('the console’s rally form title', async () => {
    const page = await signInAdmin(e2e.browser(), e2e.server().url, TOKEN, PHONE);
    await page.click('#rally-new');
    await expect.poll(() => page.textContent('#rally-form-title')).not.toBe('');
    await switchTo(page, 'de');
    await expect.poll(() => page.textContent('#rally-form-title')).toBe(consoleDe['console.rallyNew']);
    await page.context().close();
  });
});
