/**
 * End to end: the contribute page on a connection that drops, in Chromium against the real
 * server. Offline, it waits and sends once the browser is back online; a kiss left waiting is
 * kept in the browser when the page is closed and sent when it is next opened, unless "Don't
 * send it" gives it up; a request that hangs is given up after 30 s and sent again; after four
 * failed retries the page says so and Send works again. (A dropped answer, sent again with its Idempotency-Key: test/e2e/mosaic.test.ts.)
 * "Don't send it" after a try that reached the server takes its tile out, at once, or (offline)
 * once the page can reach the server again, keeping only the key meanwhile.
 * While the server's disk cannot keep a commit, the console says so, and the page keeps the
 * kiss and sends it again after each Retry-After; once the server is restarted it goes in once,
 * with its delete link.
 */
import { mkdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { tempDataDir, upload, uploadWithKey } from '../support/server.ts';
import { type E2EServer, readyToSend, signInAdmin, startE2EServer } from './harness.ts';
import { useE2E } from './useE2E.ts';

const e2e = useE2E({ MOSAIC_COLS: '8', MOSAIC_ROWS: '8' });
const TOKEN = 'e2e-admin-token-0123456789';
const SHOTS = resolve(import.meta.dirname, '../../test-results/shots');
mkdirSync(SHOTS, { recursive: true });

const tileCount = async (url = e2e.server().url): Promise<number> =>
  ((await (await fetch(`${url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

/** The contribute page with a photo chosen and consent given, ready to send. */
async function ready(seed: number, url = e2e.server().url, page?: Page): Promise<Page> {
  if (!page) {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    page = await ctx.newPage();
  }
  page.on('pageerror', (err) => console.error(err));
  await readyToSend(page, url, await syntheticJpeg(600, 600, seed));
  return page;
}

const words = (page: Page) => page.locator('#progress-text').textContent();

/** Closes the page as its user would; it closes without asking first, as nothing would be lost. */
async function closeUnasked(page: Page): Promise<void> {
  let asked = false;
  page.on('dialog', (d) => {
    asked = true;
    void d.dismiss();
  });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => page.isClosed()).toBe(true);
  expect(asked).toBe(false);
}

const waitingOffline = (page: Page) =>
  page.waitForFunction(() =>
    document.getElementById('progress-text')?.textContent?.startsWith('You are offline.'),
  );

/** A kiss as client/net/waitingKiss.ts keeps it, with its photo's bytes. */
interface Planted {
  key: string;
  bytes: number[];
  savedAt: number;
}

/**
 * What the page keeps of a waiting kiss in this browser (IndexedDB, opened as
 * client/net/waitingKiss.ts opens it), without its photo; null if nothing. Given `plant`, that
 * kiss is kept first.
 */
const keptKiss = (page: Page, plant?: Planted) =>
  page.evaluate(
    (plant) =>
      new Promise<Record<string, unknown> | null>((resolve, reject) => {
        const req = indexedDB.open('kiss-in', 1);
        req.onupgradeneeded = () => req.result.createObjectStore('waiting');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const store = db.transaction('waiting', 'readwrite').objectStore('waiting');
          if (plant) {
            const photo = new Blob([new Uint8Array(plant.bytes)], { type: 'image/jpeg' });
            const { key, savedAt } = plant;
            store.put({ key, photo, name: 'photo.jpg', event: null, hideFaces: false, savedAt }, 'kiss');
          }
          const get = store.get('kiss');
          get.onsuccess = () => {
            db.close();
            const kiss = get.result as Record<string, unknown> | undefined;
            if (!kiss) return resolve(null);
            const { photo, ...rest } = kiss;
            resolve({ ...rest, photoBytes: (photo as Blob).size });
          };
        };
      }),
    plant ?? null,
  );

/** The first upload's answer is lost on the way back (the server stores the photo); later tries go through. */
async function loseFirstAnswer(page: Page): Promise<void> {
  let tries = 0;
  await page.route('**/api/tiles', async (route) => {
    if (route.request().method() !== 'POST' || ++tries > 1) return route.continue();
    await route.fetch();
    await route.abort('connectionreset');
  });
}

/**
 * The withdrawals this browser keeps (client/net/waitingKiss.ts: one entry each, named from
 * `withdrawal`), oldest first. Given `legacy`, that withdrawal is first kept as an earlier page
 * kept its one: under `withdrawal` itself.
 */
const keptWithdrawals = (page: Page, legacy?: { key: string; savedAt: number }) =>
  page.evaluate(
    (legacy) =>
      new Promise<{ key: string; savedAt: number }[]>((resolve, reject) => {
        const req = indexedDB.open('kiss-in', 1);
        req.onupgradeneeded = () => req.result.createObjectStore('waiting');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const store = req.result.transaction('waiting', 'readwrite').objectStore('waiting');
          if (legacy) store.put(legacy, 'withdrawal');
          const all = store.getAll(IDBKeyRange.bound('withdrawal', 'withdrawal;', false, true));
          all.onsuccess = () => {
            req.result.close();
            resolve((all.result as { key: string; savedAt: number }[]).sort((a, b) => a.savedAt - b.savedAt));
          };
        };
      }),
    legacy ?? null,
  );

/** Where this browser keeps nothing (storage off, some private modes): opening IndexedDB fails. */
const STORAGE_OFF = () => {
  IDBFactory.prototype.open = () => {
    throw new DOMException('The user denied permission to access the database.', 'SecurityError');
  };
  IDBFactory.prototype.databases = () => Promise.resolve([]);
};

/** Sends the chosen kiss, its first answer lost (the server stored it): the page waits to try again. */
async function sendLosingAnswer(page: Page): Promise<void> {
  await loseFirstAnswer(page);
  await page.click('#send');
  await page.waitForFunction(() =>
    document.getElementById('progress-text')?.textContent?.startsWith('The connection dropped.'),
  );
}

/** Sends the chosen kiss, its first answer lost, and gives it up: a withdrawal is under way. */
async function giveUpAfterLostAnswer(page: Page): Promise<void> {
  await sendLosingAnswer(page);
  await page.click('#not-sent');
  await page.waitForFunction(() => document.activeElement?.id === 'send');
}

/** The page opened again in `ctx`, online: it takes out what the kept withdrawals stored, and says so. */
async function reopenedWithdraws(
  ctx: BrowserContext,
  before: number,
  words = 'Nothing of that kiss is in the mosaic.',
): Promise<void> {
  const next = await ctx.newPage();
  await next.goto(`${e2e.server().url}/add`);
  await next.waitForSelector('#withdrawal:not([hidden])');
  expect(await next.textContent('#withdrawal')).toBe(words);
  expect(await tileCount()).toBe(before);
  expect(await keptWithdrawals(next)).toEqual([]);
}

describe('the contribute page on a connection that drops', () => {
  it('waits while offline, says so, and sends the photo once the browser is back online', async () => {
    const page = await ready(901);
    // Looking for a kiss kept from an earlier visit leaves no empty database behind.
    expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).not.toContain(
      'kiss-in',
    );
    const before = await tileCount();
    await page.context().setOffline(true);
    await page.click('#send');
    await waitingOffline(page);
    expect(await page.locator('#error').textContent()).toBe('');
    // The photo it sends, and its choices, stay as they are until it is in.
    for (const id of ['#send', '#file', '#camera', '#hide-faces', '#consent'])
      expect(await page.isDisabled(id), id).toBe(true);
    // Still waiting a while later, and nothing reached the server.
    await page.waitForTimeout(1500);
    expect(await words(page)).toBe('You are offline. Your kiss goes out as soon as you are back online.');
    expect(await page.isVisible('#not-sent')).toBe(true);
    expect(await tileCount()).toBe(before);
    // Kept in this browser while it waits: the photo as it goes, its key and choices.
    expect(await keptKiss(page)).toMatchObject({ name: 'photo.jpg', hideFaces: false, event: null });
    await page.screenshot({ path: resolve(SHOTS, 'add-offline-390.png'), fullPage: true });

    await page.context().setOffline(false);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount()).toBe(before + 1);
    // In: nothing is kept any more, and leaving asks nothing.
    await expect.poll(() => keptKiss(page)).toBeNull();
    page.on('dialog', (d) => void d.dismiss());
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => page.isClosed()).toBe(true);
    await page.context().close();
  });

  it('where the browser says it is offline while its network works, tries again every 30 s and gets through', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    // A browser that says it is offline (as some do behind a VPN) on a network that works.
    await ctx.addInitScript(() => Object.defineProperty(Navigator.prototype, 'onLine', { get: () => false }));
    const page = await ctx.newPage();
    await page.clock.install();
    await ready(907, e2e.server().url, page);
    const before = await tileCount();
    // Its first try fails as a try while offline would.
    let tries = 0;
    await page.route('**/api/tiles', (route) =>
      ++tries === 1 ? route.abort('internetdisconnected') : route.continue(),
    );
    await page.click('#send');
    await waitingOffline(page);
    // No "online" event comes; 30 s later it tries anyway.
    await page.clock.runFor(29_000);
    expect(tries).toBe(1);
    expect(await tileCount()).toBe(before);
    await page.clock.runFor(2_000);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(tries).toBe(2);
    expect(await tileCount()).toBe(before + 1);
    await ctx.close();
  });

  it('keeps a waiting kiss when the page is closed and sends it, once, when the page is next opened', async () => {
    const page = await ready(905);
    const ctx = page.context();
    const before = await tileCount();
    await page.check('#hide-faces');
    await ctx.setOffline(true);
    await page.click('#send');
    await waitingOffline(page);
    const kept = await keptKiss(page);
    expect(kept).toMatchObject({ hideFaces: true });
    // Kept: closing loses nothing, so the page does not ask.
    await closeUnasked(page);
    expect(await tileCount()).toBe(before);

    // The page is opened again once the network is back.
    await ctx.setOffline(false);
    const next = await ctx.newPage();
    next.on('pageerror', (err) => console.error(err));
    await next.goto(`${e2e.server().url}/add`);
    await next.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 }).catch(async (err) => {
      // What the page shows instead, so that a failure says where the kiss stopped.
      const shows = await next.evaluate(() => ({
        onLine: navigator.onLine,
        resumed: !document.getElementById('resumed')?.hidden,
        progress: document.getElementById('progress-text')?.textContent,
        error: document.getElementById('error')?.textContent,
      }));
      throw new Error(`${err}\n${JSON.stringify({ ...shows, tiles: await tileCount(), before })}`);
    });
    expect(await tileCount()).toBe(before + 1);
    // The delete link for that tile, which the closed page never showed, works.
    const link = new URL(await next.inputValue('#delete-link'));
    const [id, token] = link.searchParams.get('delete')!.split('.');
    const res = await fetch(`${e2e.server().url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(204);
    await expect.poll(() => keptKiss(next)).toBeNull();

    // Nothing waits any more: the page opens on an empty form.
    await next.goto(`${e2e.server().url}/add`);
    await next.waitForTimeout(500);
    expect(await next.isVisible('#form-view')).toBe(true);
    expect(await next.isHidden('#resumed')).toBe(true);
    expect(await next.isHidden('#progress-box')).toBe(true);
    await ctx.close();
  });

  it('says which kiss goes out when it resumes, and "Don’t send it" gives it up and forgets it', async () => {
    const page = await ready(906);
    const ctx = page.context();
    const before = await tileCount();
    // The server is unreachable (not the browser offline): the page retries 2, 4, 8 and 16 s apart.
    await page.route('**/api/tiles', (route) => route.abort('connectionreset'));
    await page.click('#send');
    await page.waitForFunction(() =>
      document.getElementById('progress-text')?.textContent?.startsWith('The connection dropped.'),
    );
    expect(await keptKiss(page)).not.toBeNull();
    await page.close();

    const next = await ctx.newPage();
    next.on('pageerror', (err) => console.error(err));
    await next.route('**/api/tiles', (route) => route.abort('connectionreset'));
    await next.goto(`${e2e.server().url}/add`);
    await next.waitForSelector('#resumed:not([hidden])');
    expect(await next.locator('#resumed').textContent()).toBe(
      'This is the kiss you sent earlier that has not gone out yet. It goes out now.',
    );
    await next.waitForSelector('#not-sent:not([hidden])');
    expect(await next.isVisible('#preview-box')).toBe(true);
    await next.screenshot({ path: resolve(SHOTS, 'add-resumed-390.png'), fullPage: true });
    // By keyboard: the button is reached with Tab and pressed with Enter.
    await next.focus('#not-sent');
    await next.keyboard.press('Enter');
    // Focus lands on Send last, once the kept copy is forgotten and the form unlocked.
    await next.waitForFunction(() => document.activeElement?.id === 'send');
    expect(await next.isHidden('#progress-box')).toBe(true);
    expect(await next.isHidden('#not-sent')).toBe(true);
    expect(await next.isHidden('#resumed')).toBe(true);
    expect(await next.locator('#error').textContent()).toBe('');
    for (const id of ['#send', '#file', '#camera', '#hide-faces', '#consent'])
      expect(await next.isDisabled(id), id).toBe(false);
    expect(await keptKiss(next)).toBeNull();
    // Given up: no later try goes out.
    await next.unroute('**/api/tiles');
    await next.waitForTimeout(2500);
    expect(await tileCount()).toBe(before);
    await next.goto(`${e2e.server().url}/add`);
    await next.waitForTimeout(500);
    expect(await next.isHidden('#resumed')).toBe(true);
    expect(await tileCount()).toBe(before);
    await ctx.close();
  }, 60_000);

  it('forgets, unsent, a kiss left waiting more than 7 days', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    await page.goto(`${e2e.server().url}/privacy`);
    const before = await tileCount();
    const jpeg = [...(await syntheticJpeg(600, 600, 907))];
    const savedAt = Date.now() - 8 * 86_400_000;
    expect(await keptKiss(page, { key: 'old-kiss-key-000000000', bytes: jpeg, savedAt })).toMatchObject({
      key: 'old-kiss-key-000000000',
    });
    await page.goto(`${e2e.server().url}/add`);
    await expect.poll(() => keptKiss(page)).toBeNull();
    await page.waitForTimeout(1000);
    expect(await page.isHidden('#resumed')).toBe(true);
    expect(await page.isHidden('#progress-box')).toBe(true);
    expect(await tileCount()).toBe(before);
    await ctx.close();
  });

  it('gives up on a request that hangs after 30 s and sends it again', async () => {
    const page = await ready(904);
    const before = await tileCount();
    let tries = 0;
    const held: Route[] = [];
    await page.route('**/api/tiles', (route) => {
      // The first attempt never leaves the phone, as on a signal that went but did not fail.
      if (++tries === 1) held.push(route);
      else return route.continue();
    });
    const clicked = Date.now();
    await page.click('#send');
    // While the first try hangs, the photo is neither in nor kept: leaving would drop it, so the
    // page asks first, and stays when told to.
    await expect.poll(() => held.length).toBe(1);
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 50_000 });
    expect(Date.now() - clicked).toBeGreaterThanOrEqual(30_000);
    expect(tries).toBe(2);
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  }, 70_000);

  it('“Don’t send it” for a kiss that never left the page asks the server nothing', async () => {
    const page = await ready(910);
    const withdrawals: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'DELETE') withdrawals.push(new URL(r.url()).pathname);
    });
    await page.context().setOffline(true);
    await page.click('#send');
    await waitingOffline(page);
    await page.click('#not-sent');
    await page.waitForFunction(() => document.activeElement?.id === 'send');
    expect(await page.isHidden('#withdrawal')).toBe(true);
    expect(await keptWithdrawals(page)).toEqual([]);
    await page.context().setOffline(false);
    await page.waitForTimeout(500);
    expect(withdrawals).toEqual([]);
    await page.context().close();
  });

  it('“Don’t send it” after a try that reached us takes that tile out at once', async () => {
    const page = await ready(908);
    const before = await tileCount();
    await sendLosingAnswer(page);
    // The first try was stored; its answer, with the delete link, never came.
    expect(await tileCount()).toBe(before + 1);
    await page.click('#not-sent');
    await expect.poll(() => tileCount()).toBe(before);
    // Send works again, focused, and nothing is said or kept: nothing of the kiss is anywhere.
    await page.waitForFunction(() => document.activeElement?.id === 'send');
    expect(await page.isDisabled('#send')).toBe(false);
    expect(await page.isHidden('#withdrawal')).toBe(true);
    expect(await keptKiss(page)).toBeNull();
    await expect.poll(() => keptWithdrawals(page)).toEqual([]);
    await page.context().close();
  });

  it('“Don’t send it” while offline keeps only the key, and takes the tile out once the page can reach us', async () => {
    const page = await ready(909);
    const ctx = page.context();
    const before = await tileCount();
    await sendLosingAnswer(page);
    await ctx.setOffline(true);
    await waitingOffline(page);
    expect(await tileCount()).toBe(before + 1);
    await page.click('#not-sent');
    await page.waitForSelector('#withdrawal:not([hidden])');
    expect(await page.textContent('#withdrawal')).toBe(
      'Not sent. An earlier try may have reached us before the connection dropped: this page takes it out of the mosaic as soon as it can reach us.',
    );
    await page.screenshot({ path: resolve(SHOTS, 'add-withdraw-wait-390.png'), fullPage: true });
    // The photo is gone from the browser; only the key stays, to take the tile out.
    await expect.poll(() => keptKiss(page)).toBeNull();
    expect(await keptWithdrawals(page)).toEqual([
      { key: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/), savedAt: expect.any(Number) },
    ]);
    expect(await tileCount()).toBe(before + 1);

    // Closed while offline; opened again once the network is back.
    await closeUnasked(page);
    await ctx.setOffline(false);
    await reopenedWithdraws(ctx, before);
    await ctx.close();
  });

  it('keeps every withdrawal that waits: a second kiss given up does not leave the first one’s tile in', async () => {
    const page = await ready(911);
    const ctx = page.context();
    const before = await tileCount();
    // The server stores each kiss but cannot be asked to take anything out yet.
    await page.route('**/api/tiles/by-key', (route) => route.abort('connectionreset'));
    await giveUpAfterLostAnswer(page);
    await page.waitForSelector('#withdrawal:not([hidden])');
    // Another photo, sent and given up the same way, while the first withdrawal still waits.
    await readyToSend(page, e2e.server().url, await syntheticJpeg(600, 600, 912));
    await giveUpAfterLostAnswer(page);
    await page.waitForSelector('#withdrawal:not([hidden])');
    expect(await tileCount()).toBe(before + 2);
    const both = await keptWithdrawals(page);
    expect(both).toHaveLength(2);
    expect(both[0]!.key).not.toBe(both[1]!.key);

    // Closed, and opened again where the server can be asked: both tiles go, and the words say both.
    await closeUnasked(page);
    await reopenedWithdraws(ctx, before, 'Nothing of those kisses is in the mosaic.');
    await ctx.close();
  });

  it('takes out the tile of a withdrawal kept by an earlier version of the page', async () => {
    const page = await ready(913);
    const before = await tileCount();
    const key = 'earlier-page-withdrawal-0001';
    expect((await uploadWithKey(e2e.server().url, await syntheticJpeg(600, 600, 914), key)).status).toBe(201);
    expect(await tileCount()).toBe(before + 1);
    expect(await keptWithdrawals(page, { key, savedAt: Date.now() })).toHaveLength(1);
    await page.reload();
    await page.waitForSelector('#withdrawal:not([hidden])');
    expect(await tileCount()).toBe(before);
    await expect.poll(() => keptWithdrawals(page)).toEqual([]);
    await page.context().close();
  });

  it('where the browser keeps nothing, leaving asks first until the withdrawal is done', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    await ctx.addInitScript(STORAGE_OFF);
    const page = await ready(915, e2e.server().url, await ctx.newPage());
    const before = await tileCount();
    await sendLosingAnswer(page);
    await ctx.setOffline(true);
    await waitingOffline(page);
    await page.click('#not-sent');
    await page.waitForSelector('#withdrawal:not([hidden])');
    expect(await page.textContent('#withdrawal')).toBe(
      'Not sent. An earlier try may have reached us before the connection dropped: keep this page open, and it takes it out of the mosaic as soon as it can reach us (this browser keeps nothing once the page is closed).',
    );
    await page.screenshot({ path: resolve(SHOTS, 'add-withdraw-open-390.png'), fullPage: true });
    expect(await tileCount()).toBe(before + 1);
    // Nothing is kept in this browser, so closing would leave the tile in: the page asks, and stays.
    const asked = page.waitForEvent('dialog');
    await page.close({ runBeforeUnload: true });
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.isClosed()).toBe(false);

    await ctx.setOffline(false);
    await page.waitForFunction(
      () => document.getElementById('withdrawal')?.textContent === 'Nothing of that kiss is in the mosaic.',
    );
    expect(await tileCount()).toBe(before);
    await closeUnasked(page);
    await ctx.close();
  });

  it('gives up after four retries with a clear error, and Send works again', async () => {
    const page = await ready(903);
    const before = await tileCount();
    let tries = 0;
    await page.route('**/api/tiles', (route) => {
      tries++;
      return route.abort('connectionreset');
    });
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('error')?.textContent !== '', null, {
      timeout: 45_000,
    });
    expect(await page.locator('#error').textContent()).toBe(
      'No connection. Please check your network and try again.',
    );
    expect(tries).toBe(5);
    // The page forgets the kept kiss before it lets a new Send in (so the next one is not forgotten instead).
    await page.waitForSelector('#send:not([disabled])', { timeout: 5_000 });
    for (const id of ['#send', '#file', '#camera', '#hide-faces', '#consent'])
      expect(await page.isDisabled(id), id).toBe(false);
    expect(await page.isHidden('#progress-box')).toBe(true);

    await page.unroute('**/api/tiles');
    await page.click('#send');
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount()).toBe(before + 1);
    await page.context().close();
  }, 60_000);
});

describe('while the server cannot store photos', () => {
  const env = { MOSAIC_COLS: '8', MOSAIC_ROWS: '8', ADMIN_TOKEN: TOKEN };
  const dataDir = tempDataDir();
  let server: E2EServer;
  beforeAll(async () => {
    server = await startE2EServer(env, dataDir);
    expect((await upload(server.url, await syntheticJpeg(600, 600, 940))).status).toBe(201);
    await server.close();
    // Opened again, its journal then lost (as in test/integration/journalLost.test.ts): the
    // disk can keep no commit any more until the server restarts.
    server = await startE2EServer(env, dataDir);
    unlinkSync(join(dataDir, 'mosaic.db-wal'));
  });
  afterAll(() => server.stop());

  it('the console says so, and what to do', async () => {
    // Any commit finds it out: this upload is refused, and the console's next figures say why.
    expect((await upload(server.url, await syntheticJpeg(600, 600, 942))).status).toBe(503);
    const page = await signInAdmin(e2e.browser(), server.url, TOKEN, { width: 390, height: 844 });
    await page.waitForFunction(() =>
      document.getElementById('stats-warn')?.textContent?.includes('STORAGE_FAILED'),
    );
    expect(await page.textContent('#stats-warn')).toBe(
      'The server’s disk reported an error while saving: nothing new is stored and uploads are refused (STORAGE_FAILED). Check the disk, then restart the server.',
    );
    await page.screenshot({ path: resolve(SHOTS, 'console-storage-failed-390.png'), fullPage: true });
    await page.context().close();
  });

  it('the contribute page keeps the kiss, sends it again once the server is back, and gets its delete link', async () => {
    const ctx = await e2e.browser().newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const url = server.url;
    const port = Number(new URL(url).port);
    const page = await ctx.newPage();
    // The page's timers under the test's hand: the wait the server asks for is 5 minutes.
    await page.clock.install();
    let answered = 0;
    page.on('requestfinished', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/tiles')) answered++;
    });
    await ready(941, url, page);
    const before = await tileCount(url);
    await page.click('#send');
    await page.waitForFunction(() =>
      document.getElementById('progress-text')?.textContent?.startsWith('Our server cannot store photos'),
    );
    expect(await words(page)).toBe(
      'Our server cannot store photos right now. Your kiss is kept on this device and goes out by itself once it can, even if you close this page and come back later.',
    );
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.isVisible('#not-sent')).toBe(true);
    expect(await page.isDisabled('#send')).toBe(true);
    expect(await keptKiss(page)).toMatchObject({ name: 'photo.jpg' });
    await page.screenshot({ path: resolve(SHOTS, 'add-server-wait-390.png'), fullPage: true });
    // The failing server refuses the retry too, rather than promise a tile it may lose.
    expect(await tileCount(url)).toBe(before);
    await expect.poll(() => answered).toBe(1);
    await page.clock.fastForward(300_000);
    await expect.poll(() => answered, { timeout: 20_000 }).toBe(2);
    await page.waitForFunction(() =>
      document.getElementById('progress-text')?.textContent?.startsWith('Our server cannot store photos'),
    );
    expect(await page.isVisible('#not-sent')).toBe(true);

    // Restarted where the page expects it: the next try, 5 minutes on, goes in once.
    await server.close();
    server = await startE2EServer(env, dataDir, port);
    // What the disk kept of the failing server's last commit (the console test's refused upload).
    const restarted = await tileCount(url);
    await page.clock.fastForward(300_000);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount(url)).toBe(restarted + 1);
    const link = new URL(await page.inputValue('#delete-link'));
    const [id, token] = link.searchParams.get('delete')!.split('.');
    const res = await fetch(`${url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(204);
    expect(await tileCount(url)).toBe(restarted);
    await expect.poll(() => keptKiss(page)).toBeNull();
    await ctx.close();
  });
});
