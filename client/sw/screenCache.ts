/**
 * What the event screen's service worker (screenWorker.ts) keeps for a reload without the
 * network, and under which key. Pure, so that the rule is tested on its own.
 */

export const SCREEN_CACHE = 'kiss-screen-v1';
/** At most this many answers are kept; the oldest go first. */
export const SCREEN_CACHE_ENTRIES = 400;

/** The cache key of a request the worker keeps, or null for one it leaves alone. */
export function keepKey(href: string, origin: string): string | null {
  const url = new URL(href);
  if (url.origin !== origin) return null;
  const p = url.pathname;
  // One copy per image whatever its version (?v=): offline, the last one seen is the best there is.
  if (p.startsWith('/api/atlas/') || p.startsWith('/api/mosaic/pyramid/')) return url.origin + p;
  if (
    p === '/screen' ||
    p.startsWith('/assets/') ||
    p === '/api/mosaic' ||
    p === '/api/mosaic/view' ||
    p === '/api/mosaic/snapshot' ||
    p === '/api/mosaic/cells' ||
    p === '/api/mosaic/target.webp' ||
    // The rally's city for its counter (not its flyer).
    /^\/api\/rallies\/[^/]+$/.test(p)
  )
    return url.href;
  return null;
}
