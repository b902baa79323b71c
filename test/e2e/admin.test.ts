/**
 * End to end: the moderation page in Chromium against the real server (MODERATION=pre).
 * Thumbnails must really decode (they come from an admin-only URL through blob: URLs),
 * bulk approval must place the tiles, and takedowns must say how many tiles go before they go.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { axeViolations } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-admin-token-0123456789';
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');
/** The tiles the first test approves; the takedown test removes them. */
let approved: number[] = [];

const e2e = useE2E({
  ADMIN_TOKEN: TOKEN,
  MODERATION: 'pre',
  // One report hides a live tile and sends it back to the queue.
  FLAG_THRESHOLD: '1',
  MOSAIC_COLS: '8',
  MOSAIC_ROWS: '8',
});

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
});

async function send(seed: number, event?: string): Promise<number> {
  const res = await upload(e2e.server().url, await syntheticJpeg(400, 400, seed), event ? { event } : {});
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: number }).id;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(e2e.server().url + path, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** A decision made through the API, as another moderator's console would make it. */
async function decideAs(verdict: 'approve' | 'reject', id: number): Promise<void> {
  const res = await fetch(`${e2e.server().url}/api/admin/${verdict}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ids: [id] }),
  });
  expect(res.status).toBe(200);
}

const tileCount = async () => (await api<{ tileCount: number }>('/api/mosaic')).tileCount;

async function signIn(viewport: { width: number; height: number }, token = TOKEN): Promise<Page> {
  const ctx = await e2e.browser().newContext({ viewport, locale: 'en-GB', deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  await page.goto(`${e2e.server().url}/admin`);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  return page;
}

/** Waits until every thumbnail in the queue has decoded from a blob: URL. */
async function thumbnailsDecoded(page: Page, n: number): Promise<string[]> {
  await page.waitForFunction(
    (count) => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('#queue img')];
      return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
    },
    n,
    { timeout: 15_000 },
  );
  return page.$$eval('#queue img', (imgs) => imgs.map((i) => (i as HTMLImageElement).src));
}

describe('the admin page', () => {
  it('refuses a wrong token with a clear message', async () => {
    const page = await signIn({ width: 1280, height: 800 }, 'not-the-right-token-at-all');
    await expect.poll(() => page.textContent('#admin-error')).toBe('This token was refused.');
    expect(await page.isVisible('#panel')).toBe(false);
    await page.context().close();
  });

  it('shows pending uploads with decoded thumbnails and approves them in bulk', async () => {
    const ids = [await send(11, 'london'), await send(12, 'london'), await send(13)];
    expect(await tileCount()).toBe(0);

    const phone = await signIn({ width: 390, height: 844 });
    await thumbnailsDecoded(phone, 3);
    await phone.screenshot({ path: resolve(SHOTS, 'admin-queue-phone.png'), fullPage: true });
    // Nothing sticks out of the screen or out of its card.
    const wide = await phone.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => {
          const right = e.getBoundingClientRect().right;
          const card = e.closest('.card');
          return right > 390.5 || (card && card !== e && right > card.getBoundingClientRect().right + 0.5);
        })
        .map((e) => `${e.tagName}#${e.id}.${e.className}`),
    );
    expect(wide).toEqual([]);
    await phone.context().close();

    const page = await signIn({ width: 1280, height: 800 });
    const srcs = await thumbnailsDecoded(page, 3);
    expect(srcs.every((s) => s.startsWith('blob:'))).toBe(true);
    const text = await page.textContent('#queue');
    expect(text).toContain('Rally: london');
    expect(text).toContain('Sent from anywhere');
    expect(text).toContain('New upload, not flagged');
    expect(await page.textContent('#queue-count')).toBe('3 tiles waiting');
    await page.screenshot({ path: resolve(SHOTS, 'admin-queue-desktop.png'), fullPage: true });

    // Keyboard only: focus "select all", tick it with Space, then the bulk Approve.
    expect(await page.isDisabled('#bulk-approve')).toBe(true);
    await page.focus('#select-all');
    await page.keyboard.press('Space');
    expect(await page.textContent('#selected-count')).toBe('3 selected');
    await page.focus('#bulk-approve');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#queue-msg')).toBe('3 tiles approved.');
    expect(await tileCount()).toBe(3);
    // The message comes first; the emptied queue is fetched again, then says so.
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    // The rows' blob: URLs were revoked with them.
    const stillThere = await page.evaluate(
      (urls) =>
        Promise.all(
          urls.map((u) =>
            fetch(u).then(
              () => true,
              () => false,
            ),
          ),
        ),
      srcs,
    );
    expect(stillThere).toEqual([false, false, false]);
    expect(ids.every((id) => e2e.server().app.service.get(id)?.status === 'live')).toBe(true);
    approved = ids;
    await page.context().close();
  });

  it('takes down a region and a rally after saying how many tiles go', async () => {
    const page = await signIn({ width: 1280, height: 800 });
    await page.waitForSelector('#panel:not([hidden])');
    const live = await api<{ items: never[] }>('/api/admin/queue');
    expect(live.items).toEqual([]);
    const before = await tileCount();
    expect(before).toBe(3);

    // A region of one row that holds one or more tiles.
    const rows = new Map<number, number>();
    for (const id of approved) {
      const { row } = await api<{ row: number }>(`/api/tiles/${id}`);
      rows.set(row, (rows.get(row) ?? 0) + 1);
    }
    const [row, inRow] = [...rows.entries()][0]!;
    await page.fill('#area-col', '0');
    await page.fill('#area-row', String(row));
    await page.fill('#area-cols', '8');
    await page.fill('#area-rows', '1');
    await page.click('#takedown-area button[type="submit"]');
    await page.waitForSelector('#confirm[open]');
    await expect
      .poll(() => page.textContent('#confirm-text'))
      .toBe(
        `${inRow} ${inRow === 1 ? 'tile' : 'tiles'} in columns 0–7, rows ${row}–${row} will be removed for good.`,
      );
    await page.screenshot({ path: resolve(SHOTS, 'admin-confirm-desktop.png') });
    await page.click('#confirm-yes');
    await expect
      .poll(() => page.textContent('#takedown-msg'))
      .toBe(`${inRow} ${inRow === 1 ? 'tile' : 'tiles'} removed.`);
    expect(await tileCount()).toBe(before - inRow);

    // A rally: its live tiles and a waiting one.
    const waiting = await send(21, 'london');
    const londonLive = approved
      .slice(0, 2)
      .filter((id) => e2e.server().app.service.get(id)?.status === 'live').length;
    await page.fill('#rally-code', 'London');
    await page.click('#takedown-rally button[type="submit"]');
    await page.waitForSelector('#confirm[open]');
    const n = londonLive + 1;
    await expect
      .poll(() => page.textContent('#confirm-text'), { timeout: 15_000 })
      .toBe(
        `${n} ${n === 1 ? 'tile' : 'tiles'} of the rally “london” (live or waiting) will be removed for good.`,
      );
    // Cancel first: nothing goes.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    expect(e2e.server().app.service.get(waiting)).toMatchObject({ id: waiting, status: 'pending' });
    await page.click('#takedown-rally button[type="submit"]');
    await expect.poll(() => page.isEnabled('#confirm-yes')).toBe(true);
    await page.click('#confirm-yes');
    await expect
      .poll(() => page.textContent('#takedown-msg'))
      .toBe(`${n} ${n === 1 ? 'tile' : 'tiles'} removed.`);
    expect(e2e.server().app.service.get(waiting)).toBeUndefined();

    // A tile the takedowns left (its row and rally are chance's) goes as another moderator would
    // remove it; the form's removal of one tile has a test of its own.
    for (const id of approved) {
      if (e2e.server().app.service.get(id)?.status !== 'live') continue;
      const res = await fetch(`${e2e.server().url}/api/admin/tiles/${id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(204);
    }
    // A number with no tile: said in the confirm step, with nothing to press.
    const gone = approved[2]!;
    expect(e2e.server().app.service.get(gone)).toBeUndefined();
    await page.fill('#remove-id', String(gone));
    await page.press('#remove-id', 'Enter');
    await page.waitForSelector('#confirm[open]');
    await expect
      .poll(() => page.textContent('#confirm-text'))
      .toBe(`There is no tile #${gone} (it may be removed already).`);
    expect(await page.isHidden('#confirm-yes')).toBe(true);
    expect(await page.isHidden('#confirm-photo')).toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    expect(await tileCount()).toBe(0);

    // A bad rally code is said in words, before anything is sent.
    await page.fill('#rally-code', 'no spaces!');
    await page.click('#takedown-rally button[type="submit"]');
    expect(await page.textContent('#takedown-msg')).toContain('A rally code has lowercase letters');
    await page.context().close();
  });

  it('removes one tile by its number after showing its photo; cancelled, the tile stays', async () => {
    const id = await send(31);
    await decideAs('approve', id);
    expect(e2e.server().app.service.get(id)?.status).toBe('live');
    const page = await signIn({ width: 390, height: 844 });
    await page.waitForSelector('#panel:not([hidden])');
    await page.fill('#remove-id', String(id));
    await page.press('#remove-id', 'Enter');
    await page.waitForSelector('#confirm[open]');
    await expect
      .poll(() => page.textContent('#confirm-text'))
      .toBe(`Remove tile #${id}, shown here, for good? Its photo cannot be brought back.`);
    // The photo is there before the button can be pressed: a number mistyped shows another kiss.
    expect(await page.isEnabled('#confirm-yes')).toBe(true);
    expect(
      await page.evaluate(() => (document.getElementById('confirm-photo') as HTMLImageElement).naturalWidth),
    ).toBe(512);
    expect(await page.isVisible('#confirm-photo')).toBe(true);
    expect(await page.getAttribute('#confirm-photo', 'alt')).toBe(
      `The photo of kiss #${id}, without the mosaic’s colour shift`,
    );
    expect(await page.textContent('#confirm-yes')).toBe('Remove it');
    await page.screenshot({ path: resolve(SHOTS, 'admin-confirm-tile-phone.png') });
    // Cancelled: nothing goes.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
    expect(await page.isHidden('#confirm-photo')).toBe(true);
    expect(e2e.server().app.service.get(id)?.status).toBe('live');
    // Confirmed: it goes.
    await page.press('#remove-id', 'Enter');
    await expect.poll(() => page.isEnabled('#confirm-yes')).toBe(true);
    await page.click('#confirm-yes');
    await expect.poll(() => page.textContent('#remove-msg')).toBe(`Tile #${id} removed.`);
    expect(e2e.server().app.service.get(id)).toBeUndefined();

    // A tile still waiting for review is shown too, from the console's own image route.
    const waiting = await send(32);
    await page.fill('#remove-id', String(waiting));
    await page.press('#remove-id', 'Enter');
    await expect.poll(() => page.isEnabled('#confirm-yes')).toBe(true);
    expect(await page.getAttribute('#confirm-photo', 'src')).toMatch(/^blob:/);
    expect(
      await page.evaluate(() => (document.getElementById('confirm-photo') as HTMLImageElement).naturalWidth),
    ).toBe(512);
    await page.click('#confirm-yes');
    await expect.poll(() => page.textContent('#remove-msg')).toBe(`Tile #${waiting} removed.`);
    expect(e2e.server().app.service.get(waiting)).toBeUndefined();
    await page.context().close();
  });

  it('shows a waiting tile larger and decides from there, photo after photo, by keyboard or pointer', async () => {
    const ids = [await send(41, 'london'), await send(42), await send(43)];
    const page = await signIn({ width: 1280, height: 800 });
    await thumbnailsDecoded(page, 3);
    const shown = async () => {
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('#review-img');
        return !!img?.src.startsWith('blob:') && img.complete && img.naturalWidth === 512;
      });
      return {
        title: await page.textContent('#review-lines .title'),
        at: await page.textContent('#review-at'),
      };
    };
    const tile = (id: number) => `Kiss #${id}`;

    // V on a row opens it at 512 px, with its rally and flags.
    await page.focus(`#pick-${ids[0]}`);
    await page.keyboard.press('v');
    await page.waitForSelector('#review[open]');
    expect(await shown()).toEqual({ title: tile(ids[0]!), at: '1 of 3' });
    expect(await page.textContent('#review-lines')).toContain('Rally: london');
    expect(await page.isDisabled('#review-prev')).toBe(true);
    await page.screenshot({ path: resolve(SHOTS, 'admin-review-desktop.png') });
    // The next tile's photo is already on its way, for the moment after a decision.
    await expect
      .poll(() =>
        page.evaluate(
          (next) =>
            performance
              .getEntriesByType('resource')
              .some((e) => new URL(e.name).pathname === `/api/admin/tiles/${next}/512.webp`),
          ids[1],
        ),
      )
      .toBe(true);

    // → moves on; A approves, and the tile that took its place is shown.
    await page.keyboard.press('ArrowRight');
    expect(await shown()).toEqual({ title: tile(ids[1]!), at: '2 of 3' });
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('#review-msg')).toBe('1 tile approved.');
    expect(await shown()).toEqual({ title: tile(ids[2]!), at: '2 of 2' });
    expect(await page.isDisabled('#review-next')).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await shown()).toEqual({ title: tile(ids[0]!), at: '1 of 2' });
    await page.keyboard.press('r');
    await expect.poll(() => page.textContent('#review-msg')).toBe('1 tile rejected and deleted.');
    expect(await shown()).toEqual({ title: tile(ids[2]!), at: '1 of 1' });
    // The last one by pointer: the view closes, and the focus goes back to the queue.
    await page.click('#review-approve');
    await page.waitForSelector('#review:not([open])', { state: 'attached' });
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('queue-title');
    const status = (id: number) => e2e.server().app.service.get(id)?.status;
    expect(ids.map(status)).toEqual([undefined, 'live', 'live']);
    await page.context().close();

    // On a phone: the thumbnail opens it, and Escape goes back to the row.
    const next = await send(44);
    const phone = await signIn({ width: 390, height: 844 });
    await thumbnailsDecoded(phone, 1);
    await phone.click(`#queue li:has(#pick-${next}) .thumb`);
    await phone.waitForSelector('#review[open]');
    await phone.waitForFunction(
      () => (document.querySelector<HTMLImageElement>('#review-img')?.naturalWidth ?? 0) === 512,
    );
    await phone.screenshot({ path: resolve(SHOTS, 'admin-review-phone.png') });
    // A kiss that arrives meanwhile joins the list, and the view counts it.
    expect(await phone.textContent('#review-at')).toBe('1 of 1');
    const after = await send(45);
    await expect.poll(() => phone.textContent('#review-at'), { timeout: 10_000 }).toBe('1 of 2');
    expect(await phone.isEnabled('#review-next')).toBe(true);
    const inView = await phone.$eval('#review-approve', (b) => {
      const r = b.getBoundingClientRect();
      return r.right <= 390 && r.width >= 44;
    });
    expect(inView).toBe(true);
    await phone.keyboard.press('Escape');
    await phone.waitForSelector('#review:not([open])', { state: 'attached' });
    // The dialog's close event, which puts the focus back, comes a task after its open attribute goes.
    await expect.poll(() => phone.evaluate(() => document.activeElement?.id)).toBe(`pick-${next}`);
    expect(await phone.$eval('#review-img', (img) => img.getAttribute('src'))).toBeNull();
    for (const id of [next, after]) {
      await phone.focus(`#pick-${id}`);
      await phone.keyboard.press('r');
      await expect.poll(() => phone.isVisible(`#pick-${id}`)).toBe(false);
    }
    await expect.poll(() => phone.textContent('#queue')).toBe('Nothing is waiting.');
    await phone.context().close();
  });

  it('shows the contributor their kiss once a moderator approves it, or says that it was not, without a reload', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const contribute = async (seed: number) => {
      const page = await ctx.newPage();
      await page.goto(`${e2e.server().url}/add`);
      await page.setInputFiles('#file', {
        name: 'kiss.jpg',
        mimeType: 'image/jpeg',
        buffer: await syntheticJpeg(400, 400, seed),
      });
      await page.check('#consent');
      await page.click('#send');
      await page.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
      expect(await page.textContent('#done-title')).toBe(
        'Thank you! Your kiss will appear after a quick review.',
      );
      expect(await page.textContent('#review-status')).toBe(
        'This page shows your kiss as soon as a moderator approves it.',
      );
      expect(await page.isVisible('#permalink-box')).toBe(false);
      const id = Number(/\/add\?delete=(\d+)\./.exec(await page.inputValue('#delete-link'))?.[1]);
      expect(e2e.server().app.service.get(id)?.status).toBe('pending');
      return { page, id };
    };

    const yes = await contribute(51);
    await yes.page.screenshot({ path: resolve(SHOTS, 'add-review-waiting-phone.png'), fullPage: true });
    await decideAs('approve', yes.id);
    await expect
      .poll(() => yes.page.textContent('#review-status'), { timeout: 15_000 })
      .toBe('A moderator approved it.');
    expect(await yes.page.textContent('#done-title')).toBe('Your kiss is in the mosaic!');
    expect(await yes.page.inputValue('#permalink')).toBe(`${e2e.server().url}/t/${yes.id}`);
    expect(await yes.page.isVisible('#mini-board')).toBe(true);
    expect(await yes.page.getAttribute('#see', 'href')).toBe(`/t/${yes.id}`);
    await yes.page.screenshot({ path: resolve(SHOTS, 'add-review-approved-phone.png'), fullPage: true });

    const no = await contribute(52);
    await decideAs('reject', no.id);
    await expect
      .poll(() => no.page.textContent('#review-status'), { timeout: 15_000 })
      .toBe('The moderators did not approve this photo, and it is deleted.');
    expect(await no.page.isVisible('#delete-box')).toBe(false);
    expect(await no.page.isVisible('#permalink-box')).toBe(false);
    await ctx.close();
  });

  it('adds the uploads that arrive while a moderator works at the end of the list, moving no row', async () => {
    const page = await signIn({ width: 1280, height: 800 });
    await page.waitForSelector('#panel:not([hidden])');
    // An empty queue fills by itself.
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    const first = [await send(31), await send(32)];
    await thumbnailsDecoded(page, 2);
    expect(await page.textContent('#queue-count')).toBe('2 tiles waiting');

    // A moderator at the first row: new rows join below, and the first row stays where it was.
    await page.focus(`#pick-${first[0]}`);
    const top = await page.$eval(`#pick-${first[0]}`, (e) => e.getBoundingClientRect().top);
    const later = [await send(33), await send(34)];
    await thumbnailsDecoded(page, 4);
    const order = await page.$$eval('#queue input[type=checkbox]', (boxes) => boxes.map((b) => b.id));
    expect(order).toEqual([...first, ...later].map((id) => `pick-${id}`));
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`pick-${first[0]}`);
    expect(await page.$eval(`#pick-${first[0]}`, (e) => e.getBoundingClientRect().top)).toBe(top);
    expect(await page.textContent('#queue-count')).toBe('4 tiles waiting');
    expect(await page.title()).toBe('(4) #kiss4lgbtqrights');
    expect(await page.textContent('#queue-msg')).toMatch(
      /^[12] new tiles? to review, at the end of the list\.$/,
    );

    // A decided row goes, and the rows that came in are decided like the others.
    await page.keyboard.press('a');
    await expect.poll(() => page.textContent('#queue-msg')).toBe('1 tile approved.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`pick-${first[1]}`);
    const fifth = await send(35);
    await thumbnailsDecoded(page, 4);
    expect(await page.$$eval('#queue input[type=checkbox]', (boxes) => boxes.map((b) => b.id))).toEqual(
      [first[1], ...later, fifth].map((id) => `pick-${id}`),
    );
    for (const id of [first[1], ...later, fifth]) {
      await page.focus(`#pick-${id}`);
      await page.keyboard.press('r');
      await expect.poll(() => page.isVisible(`#pick-${id}`)).toBe(false);
    }
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    expect(await page.title()).toBe('#kiss4lgbtqrights');
    expect(e2e.server().app.service.get(first[0]!)?.status).toBe('live');
    await page.context().close();
  });

  it('marks in place the tiles another moderator decides, and the tile in the larger view loses its photo and buttons', async () => {
    const ctx = await e2e
      .browser()
      .newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    // While `held`, the live numbers do not reach the console.
    let held = false;
    await page.routeWebSocket(/socket\.io/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((m) => {
        if (!held) ws.send(m);
      });
    });
    await page.goto(`${e2e.server().url}/admin`);
    await page.fill('#token', TOKEN);
    await page.press('#token', 'Enter');
    await page.waitForSelector('#panel:not([hidden])');
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    const ids = [await send(41), await send(42), await send(43)];
    await thumbnailsDecoded(page, 3);
    const tops = () =>
      page.$$eval('#queue li.queue-item', (lis) => lis.map((li) => li.getBoundingClientRect().top));
    const before = await tops();
    await page.focus(`#pick-${ids[0]}`);

    // Another console approves the first while a new kiss arrives: as many wait as before.
    held = true;
    await page.waitForTimeout(2500);
    await decideAs('approve', ids[0]!);
    const fourth = await send(44);
    held = false;
    await expect.poll(() => page.$$eval('#queue li.gone', (lis) => lis.length), { timeout: 15_000 }).toBe(1);
    await page.waitForSelector(`li.queue-item:has(#pick-${fourth}) img[src^="blob:"]`);
    expect(await page.textContent('#queue-msg')).toBe(
      '1 new tile to review, at the end of the list. 1 tile in the list is no longer waiting. Refresh takes it out.',
    );
    // Then it rejects the second.
    await decideAs('reject', ids[1]!);
    await expect.poll(() => page.$$eval('#queue li.gone', (lis) => lis.length), { timeout: 15_000 }).toBe(2);
    expect(await page.textContent('#queue-msg')).toBe(
      '1 tile in the list is no longer waiting. Refresh takes it out.',
    );
    expect(await page.textContent('#queue-count')).toBe('2 tiles waiting');
    expect(await page.title()).toBe('(2) #kiss4lgbtqrights');
    // No row moved, and the focus is where it was.
    expect((await tops()).slice(0, 3)).toEqual(before);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`pick-${ids[0]}`);
    for (const id of ids.slice(0, 2)) {
      const row = page.locator(`li.queue-item:has(#pick-${id})`);
      expect(await row.locator('.item-gone').textContent()).toBe('No longer waiting');
      expect(await row.locator('img').getAttribute('src')).toBeNull();
      expect(await row.getByRole('button', { name: 'Approve' }).isVisible()).toBe(false);
    }
    await page.screenshot({ path: resolve(SHOTS, 'admin-gone-1280.png') });
    expect(await axeViolations(page)).toEqual([]);

    // Its keys do nothing on those rows, and move past them; Select all leaves them out.
    await page.keyboard.press('r');
    await page.keyboard.press('v');
    expect(await page.isVisible('#review')).toBe(false);
    expect(await page.$$eval('#queue li.queue-item', (lis) => lis.length)).toBe(4);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`pick-${ids[2]}`);
    await page.check('#select-all');
    expect(await page.textContent('#selected-count')).toBe('2 selected');
    expect(await page.isChecked(`#pick-${ids[0]}`)).toBe(false);
    await page.uncheck('#select-all');

    // The larger view shows the third; another console decides it too.
    await page.focus(`#pick-${ids[2]}`);
    await page.keyboard.press('v');
    await page.waitForSelector('#review[open] #review-img[src]');
    await decideAs('reject', ids[2]!);
    await expect
      .poll(() => page.textContent('#review-msg'), { timeout: 15_000 })
      .toBe('No longer waiting. It was decided in another console, or deleted by its sender.');
    expect(await page.getAttribute('#review-img', 'src')).toBeNull();
    expect(await page.isDisabled('#review-approve')).toBe(true);
    expect(await page.isDisabled('#review-reject')).toBe(true);
    // The focus stays in the view, on a button that works; it does not move on by itself.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('review-next');
    expect(await page.textContent('#review-at')).toBe('3 of 4');
    await page.screenshot({ path: resolve(SHOTS, 'admin-review-gone-1280.png') });
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('a');
    expect(await page.isVisible('#review')).toBe(true);
    expect(e2e.server().app.service.get(fourth)?.status).toBe('pending');

    // The approved first kiss is reported and hidden: it waits again, in its own row.
    expect(e2e.server().app.service.get(ids[0]!)?.status).toBe('live');
    const flagged = await fetch(`${e2e.server().url}/api/tiles/${ids[0]}/flag`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Client-Id': 'reporting-browser-0001' },
      body: JSON.stringify({ reason: 'spam' }),
    });
    expect(flagged.status).toBe(204);
    const first = page.locator(`li.queue-item:has(#pick-${ids[0]})`);
    await first.locator('img[src^="blob:"]').waitFor({ timeout: 15_000 });
    expect(await first.getAttribute('class')).toBe('queue-item flagged');
    expect(await first.locator('.item-gone').count()).toBe(0);
    expect(await page.textContent('#queue-msg')).toBe(
      '1 tile in the list waits for review again, where it was.',
    );
    // Its row stands where it stood (its reasons may make it taller).
    expect((await tops()).slice(0, 2)).toEqual(before.slice(0, 2));

    // The next one is still decided from the view, which then passes over the decided tiles.
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('#review[open] #review-img[src]');
    await page.keyboard.press('r');
    await expect.poll(() => page.textContent('#review-at')).toBe('1 of 3');
    await page.waitForSelector('#review[open] #review-img[src]');
    expect(await page.isDisabled('#review-approve')).toBe(false);
    await page.keyboard.press('r');
    await expect.poll(() => page.isVisible('#review')).toBe(false);
    expect(e2e.server().app.service.get(fourth)).toBeUndefined();
    expect(e2e.server().app.service.get(ids[0]!)).toBeUndefined();
    await page.click('#refresh');
    await expect.poll(() => page.textContent('#queue')).toBe('Nothing is waiting.');
    await ctx.close();
  });
});
