/**
 * End to end: the contribute page says at once when the chosen photo cannot become a tile by its
 * shape (too small, too long and thin), and sends nothing; "hide our faces", whose square always
 * can, sends it. Chromium against the real server.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { de } from '../../client/i18n/de.ts';
import { en } from '../../client/i18n/en.ts';
import { ru } from '../../client/i18n/ru.ts';
import { syntheticJpeg } from '../support/images.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

/** The contribute page with a photo of `width` x `height` chosen, and the uploads it posts from then on. */
async function chosen(
  width: number,
  height: number,
  locale = 'en-GB',
): Promise<{ add: Page; posts: string[] }> {
  const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale });
  const add = await ctx.newPage();
  const posts: string[] = [];
  add.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/tiles') posts.push(r.url());
  });
  await add.goto(`${e2e.server().url}/add`);
  await add.setInputFiles('#file', {
    name: 'photo.jpg',
    mimeType: 'image/jpeg',
    buffer: await syntheticJpeg(width, height, width + height),
  });
  await add.waitForSelector('#preview-box:not([hidden])');
  return { add, posts };
}

const said = (add: Page) => add.textContent('#error');

describe('a photo that cannot become a tile, on the contribute page', () => {
  it('is said as soon as it is chosen, on the photo pickers, and Send sends nothing', async () => {
    const { add, posts } = await chosen(150, 150);
    await expect.poll(() => said(add)).toBe(en['error.IMAGE_TOO_SMALL']);
    expect(await add.getAttribute('#file', 'aria-invalid')).toBe('true');
    expect(await add.getAttribute('#file', 'aria-describedby')).toBe('error');
    await add.check('#consent');
    await add.click('#send');
    expect(await said(add)).toBe(en['error.IMAGE_TOO_SMALL']);
    expect(posts).toEqual([]);

    // "Hide our faces" sends a square that can: the words go, and the kiss goes in.
    await add.check('#hide-faces');
    expect(await said(add)).toBe('');
    expect(await add.getAttribute('#file', 'aria-invalid')).toBeNull();
    await add.click('#send');
    await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
    expect(posts).toHaveLength(1);
    await add.context().close();
  });

  it('says a photo too long and thin in the page’s language; another photo clears it', async () => {
    const { add, posts } = await chosen(1000, 200, 'ru-RU');
    await expect.poll(() => said(add)).toBe(ru['error.BAD_ASPECT_RATIO']);
    // Said again in the language switched to.
    await add.locator('.lang-switch select').first().selectOption('de');
    await expect.poll(() => said(add)).toBe(de['error.BAD_ASPECT_RATIO']);
    // A photo of a shape that can (4:1 at most, larger than the copy the page sends).
    await add.setInputFiles('#file', {
      name: 'ok.jpg',
      mimeType: 'image/jpeg',
      buffer: await syntheticJpeg(3200, 800, 7),
    });
    await expect.poll(() => add.getAttribute('#file', 'aria-invalid')).toBeNull();
    expect(await said(add)).toBe('');
    await add.check('#consent');
    await add.click('#send');
    await add.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
    expect(posts).toHaveLength(1);
    await add.context().close();
  });
});
