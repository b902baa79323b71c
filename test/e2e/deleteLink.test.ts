/**
 * End to end: a contributor's delete link, used in a browser as they would use it (later, on
 * another phone). It takes the kiss off a screen that is watching, out of the mosaic and away
 * from its photo's addresses; used again, with another kiss's token, or broken, it says plainly
 * where things stand. Chromium against the real server.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { en } from '../../client/i18n/en.ts';
import { syntheticJpeg } from '../support/images.ts';
import { queuedIds } from '../support/moderation.ts';
import { upload } from '../support/server.ts';
import { axeViolations, contribute } from './harness.ts';
import { useE2E } from './useE2E.ts';

const PHONE = { width: 390, height: 844 };

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

async function newPage(viewport = PHONE): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport, locale: 'en-GB' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  return page;
}

/** Sends a kiss through the contribute page; its id and delete link. */
async function contributed(seed: number): Promise<{ id: number; link: string }> {
  const page = await newPage();
  await contribute(page, e2e.server().url, await syntheticJpeg(600, 600, seed));
  const link = await page.inputValue('#delete-link');
  await page.context().close();
  return { id: Number(/\?delete=(\d+)\./.exec(link)?.[1]), link };
}

const withId = (words: string, id: number) => words.replace('{id}', String(id));
const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);

describe('the delete link, in a browser', () => {
  it('shows its kiss, takes it off a watching viewer, out of the mosaic and its photo’s addresses; opened again, says it is gone', async () => {
    const url = e2e.server().url;
    const { id, link } = await contributed(501);
    const photo = `${url}/tiles/${id}/128.webp`;
    expect((await fetch(photo)).status).toBe(200);
    const viewer = await newPage({ width: 1280, height: 800 });
    await viewer.goto(`${url}/`);
    await expect.poll(() => viewer.textContent('#counter')).toBe('1 kiss');

    const phone = await newPage();
    // The photo held back on its way: the button must not move when it comes.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    await phone.route(`**/tiles/${id}/*.webp`, async (r) => {
      await held;
      await r.continue();
    });
    await phone.goto(link);
    expect(await phone.textContent('#delete-text')).toBe(withId(en['delete.confirm'] as string, id));
    const before = await phone.locator('#delete-button').boundingBox();
    release();
    // The kiss the link removes, to be sure it is one's own.
    await expect
      .poll(() =>
        phone.evaluate(() => document.querySelector<HTMLImageElement>('#delete-photo')?.naturalWidth),
      )
      .toBe(512);
    expect(await phone.isVisible('#delete-photo')).toBe(true);
    expect(await phone.getAttribute('#delete-photo', 'alt')).toBe(withId(en['tile.photoAlt'] as string, id));
    expect(await phone.locator('#delete-button').boundingBox()).toEqual(before);
    // From the keyboard.
    await phone.focus('#delete-button');
    await phone.keyboard.press('Enter');
    await expect.poll(() => phone.textContent('#delete-text')).toBe(en['delete.done']);
    expect(await phone.isHidden('#delete-button')).toBe(true);
    expect(await phone.isHidden('#delete-photo-box')).toBe(true);
    // The words take the focus from the button that went; the token leaves the address bar.
    expect(await focused(phone)).toBe('delete-text');
    expect(new URL(phone.url()).search).toBe('');
    expect(await phone.textContent('#delete-error')).toBe('');

    await expect.poll(() => viewer.textContent('#counter')).toBe('0 kisses');
    expect(e2e.server().app.service.get(id)).toBeUndefined();
    expect((await fetch(photo)).status).toBe(404);

    // The link again (another day): it says at once that nothing is left to remove, as no error.
    await phone.goto(link);
    await expect.poll(() => phone.textContent('#delete-text')).toBe(withId(en['delete.gone'] as string, id));
    expect(await phone.isHidden('#delete-button')).toBe(true);
    expect(await phone.isHidden('#delete-photo-box')).toBe(true);
    expect(await phone.textContent('#delete-error')).toBe('');
    expect(new URL(phone.url()).search).toBe('');
    await viewer.context().close();
    await phone.context().close();
  });

  it('says at once that a link with another kiss’s token does not match, and leaves the kiss in', async () => {
    const a = await contributed(502);
    const b = await contributed(503);
    const tokenOfA = /\?delete=\d+\.([A-Za-z0-9_-]+)$/.exec(a.link)?.[1];
    const phone = await newPage();
    await phone.goto(`${e2e.server().url}/add?delete=${b.id}.${tokenOfA}`);
    // Said before anything is pressed, with nothing to press and no photo.
    await expect
      .poll(() => phone.textContent('#delete-text'))
      .toBe(withId(en['delete.wrongLink'] as string, b.id));
    expect(await phone.isHidden('#delete-button')).toBe(true);
    expect(await phone.isHidden('#delete-photo-box')).toBe(true);
    expect(e2e.server().app.service.get(a.id)).toBeDefined();
    expect(e2e.server().app.service.get(b.id)).toBeDefined();
    await phone.context().close();
  });

  it('says a broken link at once, with nothing to press', async () => {
    const { id, link } = await contributed(504);
    const token = /\?delete=\d+\.([A-Za-z0-9_-]+)$/.exec(link)?.[1] ?? '';
    const phone = await newPage();
    // Not a link at all, and one cut short on its way (a token the server would not read).
    for (const broken of ['not-a-link', `${id}.${token.slice(0, 12)}`]) {
      await phone.goto(`${e2e.server().url}/add?delete=${broken}`);
      await expect.poll(() => phone.textContent('#delete-text')).toBe(en['delete.bad']);
      expect(await phone.isHidden('#delete-button')).toBe(true);
    }
    await phone.context().close();
  });
});

describe('the delete link of a kiss waiting for review', () => {
  const review = useE2E({ MODERATION: 'pre', MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });

  it('says in the photo’s square that it is not in the mosaic yet, and removes it from the queue', async () => {
    const res = await upload(review.server().url, await syntheticJpeg(600, 600, 505));
    expect(res.status).toBe(202);
    const { id, deleteToken } = (await res.json()) as { id: number; deleteToken: string };
    expect(await queuedIds(review.server().app.service)).toEqual([id]);
    const ctx = await review.browser().newContext({ viewport: PHONE, locale: 'en-GB' });
    const phone = await ctx.newPage();
    await phone.goto(`${review.server().url}/add?delete=${id}.${deleteToken}`);
    await phone.waitForSelector('#delete-photo-waiting:not([hidden])');
    expect(await phone.textContent('#delete-photo-waiting')).toBe(en['delete.waiting']);
    expect(await phone.isHidden('#delete-photo')).toBe(true);
    // The small words on the square's grey are read as easily as the rest (WCAG AA contrast).
    expect(await axeViolations(phone)).toEqual([]);
    await phone.click('#delete-button');
    await expect.poll(() => phone.textContent('#delete-text')).toBe(en['delete.done']);
    expect(await queuedIds(review.server().app.service)).toEqual([]);
    await ctx.close();
  });
});
