/**
 * The first picture of a big mosaic, before the page's own code: a classic script that the
 * server inlines into the page's head with the view start (server/http/overviewPage.ts; built
 * on its own as an IIFE, see scripts/buildClient.ts).
 *
 * It plans the colour pyramid tiles exactly as the board will for its first frame (same plan,
 * same URLs), starts their downloads at once, shows them as plain images where the board's
 * canvas will be, and sets the `mosaic:overview` mark once they are on screen. Only then does
 * it start the page's module (`data-app`) and the downloads of the modules it imports
 * (`data-preload`): on a slow phone those scripts' bytes would share the network with the
 * picture, and their evaluation (PixiJS above all) holds the main thread for over a second. The page's code takes the images over
 * (client/net/images.ts) and removes them once the board has drawn (client/ui/mosaic.ts).
 *
 * Anything unexpected (no data, no size, an image refused) starts the module at once, which
 * then loads the page as it would without this script.
 */
import { type ColourTileId, colourPyramidOf, colourTileUrl } from '../../shared/mosaic/colourPyramid.ts';
import type { ViewStart } from '../../shared/viewStart.ts';
import { type CameraState, fitCamera } from '../render/camera.ts';
import { planColour } from '../render/pyramidPlan.ts';
import { OVERVIEW_PREVIEW_ID, VIEW_START_ID } from './ids.ts';

/** After this long without a picture, the page's code starts anyway. */
const WAIT_MS = 4000;

type Tile = ColourTileId & { version: number; x: number; y: number; size: number };

const script = document.currentScript as HTMLScriptElement | null;
let started = false;

/** Starts the page's module (and the downloads of the modules it imports), once. */
function startApp(): void {
  if (started) return;
  started = true;
  for (const href of (script?.dataset.preload ?? '').split(' ').filter(Boolean)) {
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.crossOrigin = 'anonymous';
    link.href = href;
    document.head.append(link);
  }
  const src = script?.dataset.app;
  if (!src) return;
  const s = document.createElement('script');
  s.type = 'module';
  s.crossOrigin = 'anonymous';
  s.src = src;
  document.head.append(s);
}

/**
 * When every one of `images` was first on screen (ms, the page's clock): their Element Timing
 * render times where the browser has them, else just after the frame that follows their
 * loading. Rejects if one cannot load.
 */
function whenPainted(images: HTMLImageElement[]): Promise<number> {
  const all = Promise.all(images.map(loaded));
  if (!PerformanceObserver.supportedEntryTypes?.includes('element'))
    return all.then(
      () =>
        new Promise((resolve) =>
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => resolve(performance.now());
            ch.port2.postMessage(null);
          }),
        ),
    );
  for (const img of images) img.setAttribute('elementtiming', 'mosaic-overview');
  return all.then(
    () =>
      new Promise((resolve) => {
        const painted = new Map<Element, number>();
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries() as (PerformanceEntry & {
            element: Element | null;
            renderTime: number;
            loadTime: number;
          })[])
            if (e.element && images.includes(e.element as HTMLImageElement))
              painted.set(e.element, e.renderTime || e.loadTime);
          if (painted.size < images.length) return;
          observer.disconnect();
          resolve(Math.max(...painted.values()));
        });
        observer.observe({ type: 'element', buffered: true });
      }),
  );
}

/** Runs `fn` once the document is parsed and its stylesheets have loaded (the board has its size). */
function whenLaidOut(fn: () => void): void {
  const ready = (): void => {
    const pending = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].filter(
      (l) => !l.sheet,
    );
    let left = pending.length;
    if (!left) {
      fn();
      return;
    }
    for (const l of pending) {
      const one = (): void => {
        if (--left === 0) fn();
      };
      l.addEventListener('load', one, { once: true });
      l.addEventListener('error', one, { once: true });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready, { once: true });
  else ready();
}

function tilesFor(start: ViewStart, width: number, height: number): { cam: CameraState; tiles: Tile[] } {
  const p = colourPyramidOf(start.cols, start.rows);
  const view = { width, height };
  const cam = fitCamera(start.cols, start.rows, view);
  const plan = planColour(p, start.versions ?? [], cam, view);
  // The whole mosaic is in view: the level's tiles cover it, without the top tile beneath.
  return { cam, tiles: plan.level === plan.top.level ? [plan.top] : plan.tiles };
}

const urlOf = (t: Tile): string => colourTileUrl(t.level, t.tx, t.ty, t.version);

function load(url: string): HTMLImageElement {
  const img = new Image();
  img.alt = '';
  img.className = 'overview-tile';
  img.fetchPriority = 'high';
  img.src = url;
  img.dataset.url = url;
  return img;
}

/** Resolves once `img` has loaded, rejects if it cannot. */
function loaded(img: HTMLImageElement): Promise<void> {
  if (img.complete) return img.naturalWidth > 0 ? Promise.resolve() : Promise.reject(new Error(img.src));
  return new Promise((resolve, reject) => {
    img.addEventListener('load', () => resolve(), { once: true });
    img.addEventListener('error', () => reject(new Error(img.src)), { once: true });
  });
}

function show(): void {
  const data = document.getElementById(VIEW_START_ID);
  const start = data ? (JSON.parse(data.textContent ?? '') as ViewStart) : null;
  if (start?.mode !== 'pyramid' || !start.versions) {
    startApp();
    return;
  }
  // The downloads start now, in the page's head, for a board the size of the window (the
  // board is a little smaller; the same tiles, or the next level's, are asked for below).
  const early = new Map<string, HTMLImageElement>();
  for (const t of tilesFor(start, innerWidth, innerHeight).tiles) early.set(urlOf(t), load(urlOf(t)));
  setTimeout(startApp, WAIT_MS);
  whenLaidOut(() => {
    const board = document.getElementById('board');
    const width = board?.clientWidth ?? 0;
    const height = board?.clientHeight ?? 0;
    if (!board || width < 1 || height < 1) {
      startApp();
      return;
    }
    const { cam, tiles } = tilesFor(start, width, height);
    const px = (n: number) => `${n}px`;
    const images = tiles.map((t) => {
      const img = early.get(urlOf(t)) ?? load(urlOf(t));
      img.style.left = px((t.x - cam.cx) * cam.scale + width / 2);
      img.style.top = px((t.y - cam.cy) * cam.scale + height / 2);
      img.style.width = img.style.height = px(t.size * cam.scale);
      // A pixel per cell, drawn larger: crisp cells, as the board draws that level.
      if (t.level === 0) img.style.imageRendering = 'pixelated';
      return img;
    });
    const layer = document.createElement('div');
    layer.id = OVERVIEW_PREVIEW_ID;
    layer.className = 'overview-preview';
    layer.setAttribute('aria-hidden', 'true');
    layer.append(...images);
    board.prepend(layer);
    whenPainted(images).then(
      (at) => {
        if (document.getElementById(OVERVIEW_PREVIEW_ID))
          performance.mark('mosaic:overview', { startTime: at, detail: { seq: start.seq, preview: true } });
        startApp();
      },
      () => {
        layer.remove();
        startApp();
      },
    );
  });
}

try {
  show();
} catch {
  startApp();
}
