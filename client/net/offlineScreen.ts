/**
 * Registers the event screen's service worker (client/sw/screenWorker.ts) so that a reload
 * without the network shows the mosaic the screen last had, then hands it what this page
 * loaded before the worker took it over. <body data-offline> tells the operator's tools and
 * the tests how that went: `ready` once the worker holds the page, else `unsupported` (no
 * service workers, or not a secure context) or `failed` (e.g. the dev server, which has no
 * worker script).
 */
export async function keepScreenForOffline(): Promise<void> {
  if (!('serviceWorker' in navigator)) {
    document.body.dataset.offline = 'unsupported';
    return;
  }
  try {
    await navigator.serviceWorker.register('/screen-sw.js', { scope: '/screen' });
    const worker = (await navigator.serviceWorker.ready).active;
    if (!worker) throw new Error('no active worker');
    const loaded = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
    await askWorker(worker, { keep: loaded });
    document.body.dataset.offline = 'ready';
  } catch {
    document.body.dataset.offline = 'failed';
  }
}

/**
 * Has the screen's service worker ask again, at `seq` or later, for what says what the mosaic
 * holds (the page, the view, the blocks of cells), so that a reload without the network shows
 * the mosaic as the screen has it: a kiss deleted meanwhile stays deleted. Resolves true once all
 * of it was brought up to date, false where the worker is not there or the network is down (the
 * next call tries again).
 */
export async function refreshScreenForOffline(seq: number): Promise<boolean> {
  if (document.body.dataset.offline !== 'ready') return false;
  const worker = (await navigator.serviceWorker.getRegistration('/screen'))?.active;
  if (!worker) return false;
  const done = await askWorker<{ failed: number }>(worker, { refresh: seq, page: location.href });
  return done.failed === 0;
}

/** Posts `message` to the worker and resolves with its reply, sent on the port it is given. */
function askWorker<T = unknown>(worker: ServiceWorker, message: unknown): Promise<T> {
  const channel = new MessageChannel();
  const reply = new Promise<T>((resolve) => {
    channel.port1.onmessage = (e) => resolve(e.data as T);
  });
  worker.postMessage(message, [channel.port2]);
  return reply;
}
