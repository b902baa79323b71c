/**
 * How a page first learns the mosaic: `GET /api/mosaic/view` (see shared/viewStart.ts),
 * preloaded by the pages' HTML, started by early.ts as the page's first act. A small mosaic
 * comes with every cell, and a Worker (frameWorker.ts) decodes them while the rest of the
 * page's code loads and WebGL starts; a big one comes as geometry and the colour pyramid's
 * versions only. The live connection then opens with `since` = its seq.
 *
 * `?view=cells` in the page's address loads every cell of any mosaic (the snapshot, 12 bytes
 * a tile), as the viewer did before the pyramid: the benchmark's reference.
 */

import { colourPyramidOf, colourTileUrl } from '../../shared/mosaic/colourPyramid.ts';
import { decodeLayout, type Layout } from '../../shared/protocol.ts';
import { decodeViewStart, type ViewStart } from '../../shared/viewStart.ts';
import { VIEW_START_ID } from '../preview/ids.ts';
import { fitCamera } from '../render/camera.ts';
import { planColour } from '../render/pyramidPlan.ts';

/** A decoded view start: in cells mode with its layout. */
export interface LoadedView {
  start: ViewStart;
  /** Every cell (cells mode), or null (pyramid mode). */
  layout: Layout | null;
}

let started: Promise<LoadedView | null> | null = null;
let taken = false;

/** True when the page asked for every cell (`?view=cells`). */
function cellsAsked(): boolean {
  return typeof location !== 'undefined' && new URLSearchParams(location.search).get('view') === 'cells';
}

/** Starts the download and its decoding, once; null when it fails (the socket sends one then). */
export function startView(): Promise<LoadedView | null> {
  started ??= startFresh();
  return started;
}

/** The started view for the live connection; a second caller starts a fresh one. */
export function takeView(): Promise<LoadedView | null> {
  const p = taken || !started ? startFresh() : started;
  taken = true;
  return p;
}

/** A fresh view start (after a growth, or a `since` too old to replay). */
export function startFresh(origin = ''): Promise<LoadedView | null> {
  return (cellsAsked() ? loadSnapshot(origin) : loadView(origin)).catch(() => null);
}

/** Downloads the view start from `origin` (the page's own by default); null when refused. */
export async function loadView(origin = ''): Promise<LoadedView | null> {
  const inline = origin ? null : takeInlineView();
  if (inline) return { start: inline, layout: null };
  // The decoding worker starts while the view downloads (it is not needed for a big mosaic).
  const worker = startWorker();
  try {
    const res = await fetch(`${origin}/api/mosaic/view`);
    if (!res.ok) return null;
    const bytes = await res.arrayBuffer();
    performance.mark('kiss:view-received');
    const { start, frame } = decodeViewStart(bytes);
    if (start.mode !== 'cells') {
      prefetchOverview(start);
      return { start, layout: null };
    }
    const buffer = frame.slice().buffer;
    const layout = worker ? await decodeIn(worker, buffer) : decodeLayout(buffer);
    performance.mark('kiss:frame-decoded');
    return { start, layout };
  } finally {
    worker?.terminate();
  }
}

let inlineTaken = false;

/**
 * The view start the server wrote into a big mosaic's page (see client/preview/overview.ts),
 * once: later loads (after a growth) ask the server again.
 */
function takeInlineView(): ViewStart | null {
  if (inlineTaken || typeof document === 'undefined') return null;
  inlineTaken = true;
  const el = document.getElementById(VIEW_START_ID);
  if (!el) return null;
  try {
    const start = JSON.parse(el.textContent ?? '') as ViewStart;
    return start.mode === 'pyramid' && start.versions ? start : null;
  } catch {
    return null;
  }
}

/** Downloads every cell (`/api/mosaic/snapshot`) from `origin`; null when refused. */
export async function loadSnapshot(origin = ''): Promise<LoadedView | null> {
  const worker = startWorker();
  const res = await fetch(`${origin}/api/mosaic/snapshot`);
  if (!res.ok) {
    worker?.terminate();
    return null;
  }
  const epoch = Number(res.headers.get('x-mosaic-epoch')) || 0;
  const bytes = await res.arrayBuffer();
  performance.mark('kiss:frame-received');
  const layout = worker ? await decodeIn(worker, bytes) : decodeLayout(bytes);
  performance.mark('kiss:frame-decoded');
  const { seq, cols, rows, size } = layout;
  return { start: { mode: 'cells', seq, epoch, cols, rows, size }, layout };
}

/** Colour pyramid tiles fetched before the board asked for them, by URL. */
const prefetched = new Map<string, Promise<Blob>>();

/**
 * Starts downloading the pyramid tiles the whole mosaic will need in this window, while the
 * page's code and WebGL start (the board asks for the same URLs a moment later).
 */
function prefetchOverview(start: ViewStart): void {
  if (typeof window === 'undefined' || !start.versions) return;
  const view = { width: window.innerWidth, height: window.innerHeight };
  const p = colourPyramidOf(start.cols, start.rows);
  const plan = planColour(p, start.versions, fitCamera(start.cols, start.rows, view), view);
  for (const t of [plan.top, ...(plan.level === plan.top.level ? [] : plan.tiles)]) {
    const url = colourTileUrl(t.level, t.tx, t.ty, t.version);
    const blob = fetch(url).then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`${url}: ${r.status}`))));
    blob.catch(() => prefetched.delete(url));
    prefetched.set(url, blob);
  }
}

/** A prefetched tile's bytes, once (null when it was not prefetched). */
export function takePrefetched(url: string): Promise<Blob> | null {
  const p = prefetched.get(url) ?? null;
  prefetched.delete(url);
  return p;
}

export { colourTileUrl };

/** The decoding worker, started before the download so that it loads meanwhile; null without Workers (Node). */
function startWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  try {
    return new Worker(new URL('./frameWorker.ts', import.meta.url), { type: 'module' });
  } catch {
    return null;
  }
}

function decodeIn(w: Worker, bytes: ArrayBuffer): Promise<Layout> {
  return new Promise<Layout>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ok: true; layout: Layout } | { ok: false; message: string }>) => {
      if (e.data.ok) resolve(e.data.layout);
      else reject(new Error(e.data.message));
    };
    w.onerror = (e) => reject(new Error(e.message || 'the decoding worker failed'));
    w.postMessage(bytes, [bytes]);
  }).finally(() => w.terminate());
}
