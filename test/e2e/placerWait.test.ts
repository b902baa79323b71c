/**
 * End to end, in cluster mode: the contribute page while no node can place photos. The photo
 * is stored at once and waits for a placer (503 PLACER_UNAVAILABLE), so the page keeps it and
 * sends it again, with its key, for as long as that lasts: giving up would leave a tile its
 * contributor cannot delete; "Don't send it" withdraws it unplaced. A real node (a child process
 * on PostgreSQL and Redis), the built page in Chromium; the test holds the placer's lock to keep
 * every node from placing.
 */
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACER_LOCK } from '../../server/cluster/Election.ts';
import {
  createTestDatabase,
  health,
  type NodeProcess,
  REDIS_TEST_URL,
  redisPrefix,
  spawnNode,
  until,
} from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { buildClient, launchBrowser, readyToSend } from './harness.ts';

describe('the contribute page while no node can place photos', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const redis = redisPrefix();
  let lock: pg.Client;
  let node: NodeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildClient();
    db = await createTestDatabase();
    lock = new pg.Client({ connectionString: db.url });
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [PLACER_LOCK.toString()]);
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: redis.prefix,
      PLACER_WAIT_MS: '300',
    };
    node = await spawnNode('a', env);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await lock?.end().catch(() => {});
    await db?.drop();
    await redis.clean();
  });

  const tileCount = async (): Promise<number> =>
    ((await (await fetch(`${node.url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

  it('keeps the kiss and sends it again, however many tries it takes, until a placer takes it', async () => {
    expect((await health(node.url)).role).toBe('follower');
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page: Page = await ctx.newPage();
    page.on('pageerror', (err) => console.error(err));
    // The page's timers under the test's hand: the node asks for 5 s between tries.
    await page.clock.install();
    let sent = 0;
    let answered = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/tiles')) sent++;
    });
    page.on('requestfinished', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/tiles')) answered++;
    });
    await readyToSend(page, node.url, await syntheticJpeg(600, 600, 950));
    await page.click('#send');

    const placerWords =
      'The mosaic is switching servers. Your photo is safe; we will try again in a few seconds.';
    // Eight tries, each answered 503 PLACER_UNAVAILABLE; the page waits after each, kiss kept.
    for (let tries = 1; tries <= 8; tries++) {
      await until(async () => answered >= tries && sent === answered, 20_000);
      await page.waitForFunction((w) => document.getElementById('error')?.textContent === w, placerWords);
      expect(await page.isVisible('#not-sent'), `try ${tries}`).toBe(true);
      expect(await page.isDisabled('#send')).toBe(true);
      await page.clock.fastForward(6_000);
    }
    expect(await tileCount()).toBe(0);
    await expect
      .poll(() => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)))
      .toContain('kiss-in');

    // The placer's role is free again: the node places what waits, and the next try is answered.
    await lock.query('SELECT pg_advisory_unlock($1)', [PLACER_LOCK.toString()]);
    await until(async () => (await health(node.url)).role === 'placer', 20_000);
    await until(async () => (await tileCount()) === 1, 20_000);
    await until(async () => sent === answered, 20_000);
    await page.clock.fastForward(6_000);
    await page.waitForSelector('#done-view:not([hidden])', { timeout: 20_000 });
    expect(await tileCount()).toBe(1);
    const link = new URL(await page.inputValue('#delete-link'));
    const [id, token] = link.searchParams.get('delete')!.split('.');
    const res = await fetch(`${node.url}/api/tiles/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(204);
    await until(async () => (await tileCount()) === 0, 10_000);
    await ctx.close();
  }, 180_000);

  it('“Don’t send it” while the photo waits for a placer withdraws it: it is never shown', async () => {
    // A new node while the test holds the placer's lock again.
    await node.stop();
    await lock.query('SELECT pg_advisory_lock($1)', [PLACER_LOCK.toString()]);
    node = await spawnNode('b', env);
    expect((await health(node.url)).role).toBe('follower');
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    page.on('pageerror', (err) => console.error(err));
    await readyToSend(page, node.url, await syntheticJpeg(600, 600, 951));
    await page.click('#send');
    await page.waitForSelector('#not-sent:not([hidden])', { timeout: 20_000 });
    const queued = async () =>
      Number((await lock.query(`SELECT count(*) AS n FROM tiles WHERE status = 'queued'`)).rows[0].n);
    expect(await queued()).toBe(1);

    await page.click('#not-sent');
    await page.waitForFunction(() => document.activeElement?.id === 'send');
    await until(async () => (await queued()) === 0, 10_000);
    expect(await page.isHidden('#withdrawal')).toBe(true);
    // A placer again: nothing is left for it to place.
    await lock.query('SELECT pg_advisory_unlock($1)', [PLACER_LOCK.toString()]);
    await until(async () => (await health(node.url)).role === 'placer', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await tileCount()).toBe(0);
    const place = await lock.query(
      `SELECT state FROM requests WHERE kind = 'place' ORDER BY id DESC LIMIT 1`,
    );
    expect(place.rows[0].state).toBe('cancelled');
    await ctx.close();
  }, 120_000);
});
