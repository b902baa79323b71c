/**
 * Times the real viewer as a phone meets it: 390x844 at DPR 2, with Chromium's network and
 * CPU throttling (CDP), from navigation to the page's `mosaic:overview` mark, counting the
 * bytes received before it. The reference path is the same build told to load every cell
 * (`?view=cells`) with the snapshot preloaded by its HTML, as the viewer did before the
 * pyramid. No `run` export: a helper of test/bench/viewer.ts.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';

/** A throttling profile, as Chromium's DevTools names them. */
export interface NetProfile {
  name: string;
  /** Download and upload, bits per second. */
  downBps: number;
  upBps: number;
  /** Round-trip latency, ms. */
  latencyMs: number;
  /** CPU slowdown factor. */
  cpu: number;
}

export const PROFILES = {
  fourG: { name: '4G (20 Mbit/s, 60 ms, CPU x4)', downBps: 20e6, upBps: 10e6, latencyMs: 60, cpu: 4 },
  fast3G: {
    name: 'Fast 3G (1.6 Mbit/s, 150 ms, CPU x4)',
    downBps: 1.6e6,
    upBps: 0.75e6,
    latencyMs: 150,
    cpu: 4,
  },
  wifi: { name: 'Wi-Fi (50 Mbit/s, 20 ms, CPU x1)', downBps: 50e6, upBps: 20e6, latencyMs: 20, cpu: 1 },
  loopback: { name: 'loopback (no throttling)', downBps: -8, upBps: -8, latencyMs: 0, cpu: 1 },
} as const satisfies Record<string, NetProfile>;

/** Applies `profile`'s network and CPU throttling to the page behind `cdp` (loopback: none). */
export async function throttle(cdp: CDPSession, profile: NetProfile): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: profile.latencyMs,
    downloadThroughput: profile.downBps / 8,
    uploadThroughput: profile.upBps / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpu });
}

export interface PhoneLoad {
  /** ms from navigation to `mosaic:overview`. */
  overviewMs: number;
  /** ms from navigation to `mosaic:live` (the board drawn and synced). */
  liveMs: number;
  /** Bytes received (encoded, as on the wire) before the mark. */
  bytes: number;
  /** Bytes received before `mosaic:live`, the same way. */
  liveBytes: number;
  /** The biggest answers before the mark, for the report. */
  biggest: string[];
  /** The page's own marks, ms after navigation: where the time went. */
  marks: string[];
}

/** Points the HTML's preload at the snapshot, as the pages' HTML did before the view start. */
async function preloadSnapshot(page: Page, path: string): Promise<void> {
  await page.route(
    (u) => u.pathname === path,
    async (route) => {
      const res = await route.fetch();
      const html = (await res.text()).replace('/api/mosaic/view', '/api/mosaic/snapshot');
      await route.fulfill({ response: res, body: html });
    },
  );
}

/** One load of `/` (or `path`) under `profile`; `cells` loads every cell (the reference path). */
export async function timePhoneLoad(
  browser: Browser,
  url: string,
  profile: NetProfile,
  opts: {
    cells?: boolean;
    path?: string;
    viewport?: { width: number; height: number };
    dpr?: number;
    /** Request interception installed before the page loads (a variant's). */
    routes?: (page: Page) => Promise<void>;
  } = {},
): Promise<PhoneLoad> {
  const ctx = await browser.newContext({
    viewport: opts.viewport ?? { width: 390, height: 844 },
    deviceScaleFactor: opts.dpr ?? 2,
    isMobile: (opts.viewport?.width ?? 390) < 800,
    hasTouch: (opts.viewport?.width ?? 390) < 800,
  });
  const page = await ctx.newPage();
  try {
    const path = opts.path ?? '/';
    if (opts.cells) await preloadSnapshot(page, path.split('?')[0]!);
    await opts.routes?.(page);
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await throttle(cdp, profile);
    const sep = path.includes('?') ? '&' : '?';
    await page.goto(`${url}${path}${opts.cells ? `${sep}view=cells` : ''}`, { waitUntil: 'commit' });
    // `mosaic:overview`: the whole mosaic first on screen (a big mosaic's first picture comes
    // from the page's HTML); `mosaic:live`: the board has drawn it, synced with the server.
    await page.waitForFunction(() => performance.getEntriesByName('mosaic:live').length > 0, null, {
      timeout: 180_000,
      polling: 50,
    });
    // The page's own Resource Timing: bytes on the wire (headers included) of every answer
    // that ended before the mark. Socket.IO's WebSocket frames are not in it (they carry the
    // few changes after the view start's seq).
    return await page.evaluate(() => {
      const at = performance.getEntriesByName('mosaic:overview')[0]!.startTime;
      const live = performance.getEntriesByName('mosaic:live')[0]!.startTime;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const every = [nav, ...(performance.getEntriesByType('resource') as PerformanceResourceTiming[])];
      const all = every.filter((r) => r.responseEnd <= at);
      const bytes = all.reduce((n, r) => n + r.transferSize, 0);
      const liveBytes = every.filter((r) => r.responseEnd <= live).reduce((n, r) => n + r.transferSize, 0);
      const biggest = [...all]
        .sort((a, b) => b.transferSize - a.transferSize)
        .slice(0, 4)
        .map((r) => `${new URL(r.name).pathname} ${(r.transferSize / 1024).toFixed(0)} KB`);
      const marks = performance
        .getEntriesByType('mark')
        .map((m) => `${m.name} ${Math.round(m.startTime)}`)
        .concat(
          `html ${Math.round(nav.responseEnd)}`,
          `DOMContentLoaded ${Math.round(nav.domContentLoadedEventEnd)}`,
        );
      return { overviewMs: Math.round(at), liveMs: Math.round(live), bytes, liveBytes, biggest, marks };
    });
  } finally {
    await ctx.close();
  }
}
