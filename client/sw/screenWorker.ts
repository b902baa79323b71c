/**
 * The event screen's service worker (served as /screen-sw.js, scope /screen). A screen runs
 * for hours on venue Wi-Fi; when the browser reloads it while the network is down (a crash, a
 * restart, someone pressing F5), it should come back showing the mosaic it last had, and go
 * live again by itself once the network returns, not show the browser's offline page.
 *
 * Network first, always: with the network up every request goes out as it would without the
 * worker, and a good answer is copied into the cache. Only when a request fails does the
 * cached copy answer. What is kept: the screen page, the built scripts and styles, the mosaic's
 * description and first view, its target and the overview's images (atlas blocks and pyramid
 * tiles, one copy per block whatever its version). Not kept: tiles' photos (a flight's worth
 * would fill the cache), the live socket, exports, and anything of another page.
 */

import {
  SCREEN_CACHE as CACHE,
  followsMosaic,
  keepKey,
  keysToDrop,
  SCREEN_CACHE_ENTRIES as MAX_ENTRIES,
  pageBuild,
  refreshUrl,
} from './screenCache.ts';

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
  readonly ports: readonly MessagePort[];
}
interface WorkerScope {
  readonly location: Location;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
  addEventListener(type: 'message', fn: (e: ExtendableMessageEvent) => void): void;
}
const worker = self as unknown as WorkerScope;

/** Answers in the cache, as far as this worker knows (counted when it first copies one). */
let entries: number | null = null;

async function keep(cache: Cache, key: string, res: Response): Promise<void> {
  if (res.status !== 200 || res.type !== 'basic') return;
  const replaced = await cache.delete(key);
  await cache.put(key, res);
  if (entries === null) entries = (await cache.keys()).length;
  else if (!replaced) entries++;
  // The cache is listed only when it goes over the cap, and then trimmed a tenth below it, so
  // that a screen copying new answers lists it once every forty, not after every copy.
  if (entries <= MAX_ENTRIES) return;
  const keys = await cache.keys();
  entries = keys.length;
  const drop = keysToDrop(
    keys.map((r) => r.url),
    Math.floor(MAX_ENTRIES * 0.9),
  );
  for (const old of drop) if (await cache.delete(old)) entries--;
}

async function networkFirst(req: Request, key: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    // Copied after the answer is handed on, so the page never waits for the cache.
    void keep(cache, key, res.clone()).catch(() => undefined);
    return res;
  } catch (err) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw err;
  }
}

worker.addEventListener('install', () => void worker.skipWaiting());
worker.addEventListener('activate', (e) => {
  e.waitUntil(
    (async () => {
      // Older versions of this cache go; other caches of the site are not this worker's.
      for (const name of await caches.keys())
        if (name.startsWith('kiss-screen-') && name !== CACHE) await caches.delete(name);
      await worker.clients.claim();
    })(),
  );
});
worker.addEventListener('fetch', (e) => {
  if (e.request.method !== 'GET') return;
  const key = keepKey(e.request.url, worker.location.origin);
  if (key) e.respondWith(networkFirst(e.request, key));
});
/**
 * Asks again for every kept answer that says what the mosaic holds ({@link followsMosaic}), at
 * `seq` or later, of the screen page only the asking one (`page`, its key). A page of another build than the kept one is left out: the files it loads are
 * not kept. Returns how many answers were replaced and how many could not be had (the network
 * down, or the server behind).
 */
async function refresh(seq: number, page: string | null): Promise<{ refreshed: number; failed: number }> {
  const cache = await caches.open(CACHE);
  let refreshed = 0;
  let failed = 0;
  for (const req of await cache.keys()) {
    if (!followsMosaic(req.url, worker.location.origin, page)) continue;
    try {
      const res = await fetch(refreshUrl(req.url, seq), { cache: 'no-store' });
      if (res.status !== 200) {
        failed++;
        continue;
      }
      if (new URL(req.url).pathname === '/screen') {
        const old = await cache.match(req);
        if (old && pageBuild(await old.text()) !== pageBuild(await res.clone().text())) continue;
      }
      await keep(cache, req.url, res);
      refreshed++;
    } catch {
      failed++;
    }
  }
  return { refreshed, failed };
}

worker.addEventListener('message', (e) => {
  const data = e.data as { keep?: unknown; refresh?: unknown; page?: unknown } | null;
  // The screen's mosaic changed: what a reload without the network would show follows it.
  if (typeof data?.refresh === 'number') {
    const page = typeof data.page === 'string' ? keepKey(data.page, worker.location.origin) : null;
    e.waitUntil(refresh(data.refresh, page).then((done) => e.ports[0]?.postMessage(done)));
    return;
  }
  // The page's first load came before the worker took it over: it sends what it loaded then.
  const urls = data?.keep;
  if (!Array.isArray(urls)) return;
  e.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      let kept = 0;
      for (const href of urls) {
        const key = typeof href === 'string' ? keepKey(href, worker.location.origin) : null;
        if (!key || (await cache.match(key))) continue;
        try {
          await keep(cache, key, await fetch(href as string));
          kept++;
        } catch {
          // Gone or the network dropped: the fetch handler keeps it next time.
        }
      }
      e.ports[0]?.postMessage({ kept });
    })(),
  );
});
