/**
 * The mosaic's first snapshot over HTTP: the pages' HTML preloads `/api/mosaic/snapshot`,
 * early.ts starts this module's work as the page's first act, and a Worker
 * (frameWorker.ts) decodes the frame while the rest of the page's code loads and WebGL
 * starts. The live connection then opens with `since` = its seq.
 */
import { decodeLayout, type Layout } from '../../shared/protocol.ts';

/** A decoded snapshot and the epoch its seq counts in. */
export interface DecodedSnapshot {
  layout: Layout;
  epoch: number | null;
}

let started: Promise<DecodedSnapshot | null> | null = null;
let taken = false;

/** Starts the download and its decoding, once; null when it fails (the socket sends one then). */
export function startSnapshot(): Promise<DecodedSnapshot | null> {
  started ??= loadSnapshot().catch(() => null);
  return started;
}

/** The started snapshot for the live connection; a second caller starts a fresh one. */
export function takeSnapshot(): Promise<DecodedSnapshot | null> {
  const p = taken || !started ? loadSnapshot().catch(() => null) : started;
  taken = true;
  return p;
}

/** Downloads and decodes the snapshot from `origin` (the page's own by default); null when refused. */
export async function loadSnapshot(origin = ''): Promise<DecodedSnapshot | null> {
  const worker = startWorker();
  const res = await fetch(`${origin}/api/mosaic/snapshot`);
  if (!res.ok) {
    worker?.terminate();
    return null;
  }
  const epoch = Number(res.headers.get('x-mosaic-epoch')) || null;
  const bytes = await res.arrayBuffer();
  performance.mark('kiss:frame-received');
  const layout = worker ? await decodeIn(worker, bytes) : decodeLayout(bytes);
  performance.mark('kiss:frame-decoded');
  return { layout, epoch };
}

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
