/**
 * What the event screen's service worker (screenWorker.ts) keeps for a reload without the
 * network, and under which key. Pure, so that the rule is tested on its own.
 */

export const SCREEN_CACHE = 'kiss-screen-v1';
/** At most this many answers are kept; the oldest go first. */
export const SCREEN_CACHE_ENTRIES = 400;

/** A picture of part of the mosaic: an atlas block or a pyramid tile, kept once whatever its version. */
const isPicture = (path: string): boolean =>
  path.startsWith('/api/atlas/') || path.startsWith('/api/mosaic/pyramid/');

/** Whether a kept answer is a picture or a block of cells, which the screen asks for anew as its camera moves. */
function mosaicPart(key: string): boolean {
  const p = new URL(key).pathname;
  return isPicture(p) || p === '/api/mosaic/cells';
}

/**
 * The kept answers to drop, of `keys` in the order they were kept, for at most `room` to stay:
 * pictures and blocks of cells first, oldest first, then anything else oldest first. A screen
 * whose camera flies for hours gathers more of them than the cap, and the page and its built
 * files, kept first, must not be what goes: without them a reload offline shows nothing.
 */
export function keysToDrop(keys: readonly string[], room: number): string[] {
  const over = keys.length - room;
  if (over <= 0) return [];
  return [...keys.filter(mosaicPart), ...keys.filter((k) => !mosaicPart(k))].slice(0, over);
}

/** The cache key of a request the worker keeps, or null for one it leaves alone. */
export function keepKey(href: string, origin: string): string | null {
  const url = new URL(href);
  if (url.origin !== origin) return null;
  // A request never carries the fragment; a page's own address may.
  url.hash = '';
  const p = url.pathname;
  // One copy per image whatever its version (?v=): offline, the last one seen is the best there is.
  if (isPicture(p)) return url.origin + p;
  // One copy per block of cells whatever seq it was asked to wait for (min): the worker brings
  // it up to date, and a reload asks for it with the seq of the view it comes back with.
  if (p === '/api/mosaic/cells') {
    url.searchParams.delete('min');
    return url.href;
  }
  if (
    p === '/screen' ||
    p.startsWith('/assets/') ||
    p === '/api/mosaic' ||
    p === '/api/mosaic/view' ||
    p === '/api/mosaic/snapshot' ||
    p === '/api/mosaic/target.webp' ||
    // The rally's city for its counter (not its flyer).
    /^\/api\/rallies\/[^/]+$/.test(p)
  )
    return url.href;
  return null;
}

/**
 * Whether a kept answer says what the mosaic holds now (the screen page, which carries the view
 * inline in pyramid mode, the mosaic's description, view, snapshot and loaded cells), so that the
 * worker asks for it again when the screen's mosaic has changed: a reload without the network
 * then shows the mosaic as the screen last had it, a deleted kiss gone, not as it was when the
 * page opened. Images are not among them: the page asks for a changed block itself. Given `page`
 * (the asking screen's key), a kept screen page of another address does not count.
 */
export function followsMosaic(key: string, origin: string, page: string | null = null): boolean {
  const url = new URL(key);
  if (url.origin !== origin) return false;
  // Of the screen pages, only the one that asks: another rally's screen asks for its own.
  if (url.pathname === '/screen') return page === null || key === page;
  return ['/api/mosaic', '/api/mosaic/view', '/api/mosaic/snapshot', '/api/mosaic/cells'].includes(
    url.pathname,
  );
}

/**
 * The address the worker asks for to bring a kept answer up to `seq`: the view, a block of
 * cells and the screen page (whose view start is inline in pyramid mode) wait for that seq on
 * the server (`min`), so a kiss deleted at `seq` is not in them and one placed by then is. The
 * answer is kept under the key it was asked for by, without `min`.
 */
export function refreshUrl(key: string, seq: number): string {
  const url = new URL(key);
  if (['/api/mosaic/view', '/api/mosaic/cells', '/screen'].includes(url.pathname))
    url.searchParams.set('min', String(seq));
  return url.href;
}

/**
 * The built files a page's HTML loads, in one string, to tell whether two copies of the page are
 * of the same build: a newer build's page is not kept beside the older build's files it would
 * not find without the network.
 */
export function pageBuild(html: string): string {
  return [...new Set(html.match(/\/assets\/[\w.-]+/g) ?? [])].sort().join(' ');
}
