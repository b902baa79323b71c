/**
 * End to end, in cluster mode: the organiser's console while PostgreSQL is away. The live numbers
 * say the database does not answer and show the review queue as not known, not as empty; the list
 * keeps its rows; once the database is back, the warning goes and the figures return by
 * themselves. A real node (a child process on a PostgreSQL of the test's own, stopped and started
 * again, and Redis), the built console in Chromium.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeProcess, REDIS_TEST_URL, redisPrefix, spawnNode } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { PrivatePostgres } from '../support/services.ts';
import { buildClient, launchBrowser, signInAdmin } from './harness.ts';

const TOKEN = 'outage-console-token-0123456789';

describe('the console while the database is away', () => {
  let pgp: PrivatePostgres;
  const redis = redisPrefix();
  let node: NodeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    await buildClient();
    pgp = await PrivatePostgres.start();
    node = await spawnNode('a', {
      DATABASE_URL: pgp.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_PREFIX: redis.prefix,
      ADMIN_TOKEN: TOKEN,
      MODERATION: 'pre',
    });
    browser = await launchBrowser();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await pgp?.destroy();
    await redis.clean();
  });

  /** The live numbers' figure under `label`. */
  const figure = (page: Page, label: string) =>
    page.locator('#stat-grid > div', { hasText: label }).locator('dd').textContent();

  it('says the database does not answer, shows the queue as not known, and recovers by itself', async () => {
    for (let i = 1; i <= 2; i++)
      expect((await upload(node.url, await syntheticJpeg(600, 400, 40 + i))).status).toBe(202);
    const page = await signInAdmin(browser, node.url, TOKEN, { width: 1280, height: 800 });
    await expect.poll(() => figure(page, 'Waiting for review'), { timeout: 10_000 }).toMatch(/^2\s·\s/);
    await expect.poll(() => page.locator('#queue li.queue-item').count()).toBe(2);
    expect(await page.locator('#stats-warn').textContent()).toBe('');

    await pgp.down();
    await expect
      .poll(() => page.locator('#stats-warn').textContent(), { timeout: 10_000 })
      .toContain('The database does not answer');
    expect(await figure(page, 'Waiting for review')).toMatch(/^not\sknown\snow$/);
    expect(await figure(page, 'Storage')).toMatch(/^not\sknown\snow$/);
    expect(await page.locator('#chart-queue-text').textContent()).toMatch(/–\swaiting/);
    // The list is not emptied: its rows wait for the database like the moderators do.
    expect(await page.locator('#queue li.queue-item:not(.gone)').count()).toBe(2);

    await pgp.up();
    await expect.poll(() => page.locator('#stats-warn').textContent(), { timeout: 20_000 }).toBe('');
    expect(await figure(page, 'Waiting for review')).toMatch(/^2\s·\s/);
    expect(await figure(page, 'Storage')).toMatch(/in\sthe\sdatabase/);
    expect(await page.locator('#queue li.queue-item:not(.gone)').count()).toBe(2);
    await page.context().close();
  });
});
