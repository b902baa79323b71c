import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type E2EServer, launchBrowser, startE2EServer } from './harness.ts';

/**
 * The built client, a real server and Chromium for the tests of the file or `describe` it is
 * called in: started before the first, closed (the server's data folder removed) after the last.
 */
export function useE2E(env: Record<string, string> = {}): { server(): E2EServer; browser(): Browser } {
  let server: E2EServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startE2EServer(env);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const started = <T>(x: T | undefined): T => {
    if (!x) throw new Error('useE2E: the server and browser start in beforeAll; ask for them inside a test');
    return x;
  };
  return { server: () => started(server), browser: () => started(browser) };
}
