/**
 * End to end: the admin page's timelapse section in Chromium against the real server. The
 * admin starts a video, its <progress> moves to done (also on a page opened or reloaded
 * meanwhile, since the job lives on the server), and the download is a real H.264 MP4.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import type { RallyInput } from '../../shared/rallies.ts';
import type { TimelapseJob } from '../../shared/timelapse.ts';
import { syntheticJpeg } from '../support/images.ts';
import { probeVideo } from '../support/video.ts';
import { axeViolations, signInAdmin } from './harness.ts';
import { useE2E } from './useE2E.ts';

const TOKEN = 'e2e-timelapse-token-0123456789';
const SHOTS = resolve(
  process.env.TIMELAPSE_SHOTS ?? resolve(import.meta.dirname, '../../test-results/shots/timelapse'),
);

const BERLIN: RallyInput = {
  code: 'berlin',
  name: 'Kuss-in vor der Botschaft',
  city: 'Berlin',
  timeZone: 'Europe/Berlin',
  date: '2026-12-12',
  language: 'de',
  moderation: null,
};

const e2e = useE2E({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '12', MOSAIC_ROWS: '12' });

beforeAll(async () => {
  const photos = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => ingestPhoto(await syntheticJpeg(320, 240, i * 5 + 2))),
  );
  for (let i = 0; i < 100; i++)
    await e2e.server().app.service.add(photos[i % 10]!, { event: null, phash: null });
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

const signIn = (viewport: { width: number; height: number }): Promise<Page> =>
  signInAdmin(e2e.browser(), e2e.server().url, TOKEN, viewport, '#panel:not([hidden])', {
    acceptDownloads: true,
  });

const bar = (page: Page) =>
  page.$eval('#video-progress', (p) => ({
    hidden: (p as HTMLProgressElement).hidden,
    value: (p as HTMLProgressElement).value,
    max: (p as HTMLProgressElement).max,
    now: p.getAttribute('aria-valuenow'),
  }));

/** Serious or critical WCAG 2.2 AA violations in the timelapse section. */
const axe = (page: Page) => axeViolations(page, 'section[aria-labelledby="video-title"]');

async function shot(page: Page, name: string): Promise<void> {
  // The section's lower half: the bar, the status line and the buttons.
  await page.$eval('#video-msg', (el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

describe('admin timelapse', () => {
  it('starts a video, follows it to done across a reload, and downloads an H.264 MP4', async () => {
    const page = await signIn({ width: 1280, height: 800 });
    await page.fill('#video-seconds', '6');
    await page.click('#video-start');
    const seen: number[] = [];
    const sample = async () => {
      const b = await bar(page);
      if (!b.hidden) seen.push(b.value);
      expect(b.now).toBe(String(b.value));
      return b;
    };
    await expect
      .poll(async () => (await sample()).value, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    expect(await page.isVisible('#video-cancel')).toBe(true);
    expect(await axe(page)).toEqual([]);
    await shot(page, 'running-1280x800');

    // Pages opened meanwhile, and this one reloaded, find the job where it stands.
    const phone = await signIn({ width: 390, height: 844 });
    const screen = await signIn({ width: 1920, height: 1080 });
    for (const p of [phone, screen])
      await expect.poll(async () => (await bar(p)).hidden, { timeout: 10_000 }).toBe(false);
    expect(await phone.inputValue('#video-seconds')).toBe('6');
    await shot(phone, 'running-390x844');
    await shot(screen, 'running-1920x1080');
    await page.reload();
    await page.waitForSelector('#panel:not([hidden])');
    await expect.poll(async () => (await bar(page)).hidden, { timeout: 10_000 }).toBe(false);

    await expect
      .poll(
        async () => {
          await sample();
          return page.isVisible('#video-download');
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe(true);
    expect((await bar(page)).value).toBe(100);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(await page.isVisible('#video-cancel')).toBe(false);
    await expect.poll(() => page.textContent('#video-msg')).toBe('The video is ready.');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#video-download')]);
    expect(download.suggestedFilename()).toBe('kiss4lgbtqrights-1080x1080.mp4');
    const file = join(e2e.server().dataDir, 'downloaded.mp4');
    await download.saveAs(file);
    const bytes = (await import('node:fs')).readFileSync(file);
    expect(await probeVideo(file, bytes)).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 1080,
      height: 1080,
      frames: 180,
      faststart: true,
    });
    await shot(page, 'done-1280x800');
    expect(await axe(page)).toEqual([]);
    for (const [p, name] of [
      [phone, 'done-390x844'],
      [screen, 'done-1920x1080'],
    ] as const) {
      await p.waitForSelector('#video-download:not([hidden])', { timeout: 30_000 });
      await shot(p, name);
    }
    // The download button is a 44 px target on a phone.
    const box = await phone.locator('#video-download').boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    writeFileSync(join(SHOTS, 'video.mp4'), bytes);
  }, 240_000);

  it("makes one rally's video, its code offered from the registry, and refuses what is no rally code", async () => {
    const url = e2e.server().url;
    const made = await fetch(`${url}/api/admin/rallies`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...BERLIN }),
    });
    expect(made.status).toBe(201);
    const photo = await ingestPhoto(await syntheticJpeg(320, 240, 77));
    for (let i = 0; i < 12; i++) await e2e.server().app.service.add(photo, { event: 'berlin', phash: null });

    const page = await signIn({ width: 390, height: 844 });
    await page.waitForSelector('#rally-codes option[value="berlin"]', { state: 'attached' });
    expect(await page.getAttribute('#rally-codes option[value="berlin"]', 'label')).toBe(
      'Kuss-in vor der Botschaft · Berlin',
    );
    for (const field of ['#video-rally', '#import-rally', '#rally-code'])
      expect(await page.getAttribute(field, 'list')).toBe('rally-codes');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/admin/timelapse')) posts.push(r.postData() ?? '');
    });
    await page.fill('#video-seconds', '2');
    // Typed with a space: no rally code, so nothing starts (never a video of the whole mosaic instead).
    await page.fill('#video-rally', 'Berlin 2026');
    await page.click('#video-start');
    await expect
      .poll(() => page.textContent('#video-msg'))
      .toBe('A rally code has lowercase letters, digits and dashes, like “london”.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('video-rally');
    expect(posts).toEqual([]);

    await page.fill('#video-rally', ' Berlin ');
    await page.click('#video-start');
    await page.waitForSelector('#video-download:not([hidden])', { timeout: 120_000 });
    expect(posts.map((b) => JSON.parse(b))).toMatchObject([{ seconds: 2, event: 'berlin' }]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#video-download')]);
    expect(download.suggestedFilename()).toBe('kiss4lgbtqrights-berlin-1080x1080.mp4');
    const jobs = await fetch(`${url}/api/admin/jobs`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await jobs.json()) as { jobs: TimelapseJob[] }).jobs.at(-1)).toMatchObject({
      state: 'done',
      event: 'berlin',
    });
    // A page opened later shows the job's own rally.
    await page.reload();
    await page.waitForSelector('#video-download:not([hidden])', { timeout: 30_000 });
    expect(await page.inputValue('#video-rally')).toBe('berlin');
    await shot(page, 'rally-done-390x844');
    expect(await axe(page)).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('says when the server cannot be reached and follows the video again once it can', async () => {
    const page = await signIn({ width: 390, height: 844 });
    await page.fill('#video-seconds', '60');
    await page.click('#video-start');
    await expect
      .poll(async () => (await bar(page)).value, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    // The venue's Wi-Fi drops while the video is being made.
    await page.context().setOffline(true);
    await expect
      .poll(() => page.textContent('#video-msg'), { timeout: 10_000 })
      .toBe(
        'The server cannot be reached right now. The video goes on being made there; this page follows it again once it can reach the server.',
      );
    const before = (await bar(page)).value;
    expect((await bar(page)).hidden).toBe(false);
    await shot(page, 'reconnecting-390x844');
    await page.context().setOffline(false);
    // Followed again: the words say how far it is, and the bar moves on from where it stood.
    await expect
      .poll(() => page.textContent('#video-msg'), { timeout: 20_000 })
      .toMatch(/^Making the video: \d+\u00a0%/);
    await expect.poll(async () => (await bar(page)).value, { timeout: 60_000 }).toBeGreaterThan(before);
    await page.click('#video-cancel');
    await expect.poll(() => page.textContent('#video-msg')).toBe('The video was cancelled.');
    await page.context().close();
  }, 120_000);

  it('cancels a running video from the page', async () => {
    const page = await signIn({ width: 390, height: 844 });
    await page.check('input[name="video-preset"][value="story"]');
    await page.fill('#video-seconds', '60');
    await page.click('#video-start');
    await expect
      .poll(async () => (await bar(page)).value, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(0);
    await page.click('#video-cancel');
    await expect.poll(() => page.textContent('#video-msg')).toBe('The video was cancelled.');
    expect(await page.isVisible('#video-cancel')).toBe(false);
    expect(await page.isEnabled('#video-start')).toBe(true);
    await shot(page, 'cancelled-390x844');

    // The video's counter speaks the page's language: the request carries it.
    await page.selectOption('label:has([data-i18n="lang.label"]) select', 'de');
    const [posted] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/admin/timelapse')),
      page.click('#video-start'),
    ]);
    expect(JSON.parse(posted.postData()!)).toMatchObject({ preset: 'story', seconds: 60, lang: 'de' });
    await expect.poll(async () => page.isVisible('#video-cancel'), { timeout: 30_000 }).toBe(true);
    await page.click('#video-cancel');
  }, 120_000);
});
