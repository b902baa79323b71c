/**
 * The timelapse video's contract and its pure maths, shared by the admin routes, the frame
 * renderer and the admin page:
 *   POST   /api/admin/timelapse {@link TimelapseRequest} -> 202 { id }
 *   GET    /api/admin/jobs                               -> { jobs: {@link TimelapseJob}[] }
 *   GET    /api/admin/jobs/:id                           -> {@link TimelapseJob}
 *   DELETE /api/admin/jobs/:id                           -> the job, cancelled (or removed when finished)
 *   GET    /api/admin/jobs/:id/video.mp4                 -> the H.264 MP4 (admins only, so fetched)
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */
import type { RallyLanguage } from './rallies.ts';

/** The video sizes offered on the admin page: a square post and a full-height story. */
export const TIMELAPSE_PRESETS = {
  square: { width: 1080, height: 1080 },
  story: { width: 1080, height: 1920 },
} as const;

/** One of {@link TIMELAPSE_PRESETS}' names. */
export type TimelapsePreset = keyof typeof TIMELAPSE_PRESETS;

/** Bounds the routes enforce (even sizes: yuv420p halves both). */
export const TIMELAPSE_LIMITS = {
  minSide: 240,
  maxSide: 2160,
  minSeconds: 2,
  maxSeconds: 120,
  minFps: 10,
  maxFps: 60,
  defaultFps: 30,
} as const;

/** `POST /api/admin/timelapse` body: a preset or a size, a length, and optionally a window and a rally. */
export interface TimelapseRequest {
  preset?: TimelapsePreset;
  width?: number;
  height?: number;
  seconds: number;
  fps?: number;
  /** ISO 8601: tiles that arrived before it are there from the first frame. */
  from?: string;
  /** ISO 8601: tiles that arrived after it are left out. */
  to?: string;
  /** Only this rally's tiles. */
  event?: string;
  /** The language of the burnt-in counter's word (one of the six; default English). */
  lang?: RallyLanguage;
}

/** Where a job stands. */
export type TimelapseState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** `GET /api/admin/jobs/:id` answer. */
export interface TimelapseJob {
  id: string;
  state: TimelapseState;
  /** 0..1, only ever growing while the job runs. */
  progress: number;
  width: number;
  height: number;
  seconds: number;
  fps: number;
  /** The rally whose tiles it shows, or null for the whole mosaic. */
  event: string | null;
  /** The download (admins only), once done. */
  url?: string;
  /** Why it failed. */
  error?: string;
  /** ISO 8601. */
  createdAt: string;
}

/** How many of `total` tiles (arrived in order) frame `f` of `frames` shows, starting with `already`. */
export function tilesAtFrame(f: number, frames: number, total: number, already = 0): number {
  // The last second (at most a fifth of the video) holds the finished mosaic.
  const hold = Math.min(Math.floor(frames / 5), Math.max(1, Math.round(frames / 10)));
  const fill = Math.max(1, frames - hold - 1);
  const share = Math.min(1, f / fill);
  return already + Math.round((total - already) * share);
}

/** A rectangle in pixels. */
export interface PxRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a frame's parts go: the mosaic, and the bands that carry the hashtag and the counter. */
export interface TimelapseLayout {
  /** Px per cell (whole, so tiles stay sharp). */
  cellPx: number;
  mosaic: PxRect;
  /** The hashtag's band; the same as `counter` when both share one band. */
  hashtag: PxRect;
  counter: PxRect;
}

/** Lays out a frame: one band under the mosaic for a wide or square frame, one just above and one just below it for a tall one. */
export function timelapseLayout(width: number, height: number, cols: number, rows: number): TimelapseLayout {
  const band = Math.max(48, Math.round(Math.min(width, height) * 0.1));
  const tall = height >= width * 1.4;
  const top = tall ? band : 0;
  const room = { width: width - 16, height: height - band - top - 16 };
  const cellPx = Math.max(1, Math.floor(Math.min(room.width / cols, room.height / rows)));
  const mw = cols * cellPx;
  const mh = rows * cellPx;
  const mosaic = {
    x: Math.floor((width - mw) / 2),
    y: top + Math.floor((height - band - top - mh) / 2),
    width: mw,
    height: mh,
  };
  if (!tall) {
    const bottom = { x: 0, y: height - band, width, height: band };
    return { cellPx, mosaic, hashtag: bottom, counter: bottom };
  }
  // A story's top and bottom are covered by the app's own buttons: keep the text next to the mosaic.
  return {
    cellPx,
    mosaic,
    hashtag: { x: 0, y: mosaic.y - band, width, height: band },
    counter: { x: 0, y: mosaic.y + mh, width, height: band },
  };
}

/** Whether a grid fits a frame with at least one pixel a cell. */
export function gridFits(width: number, height: number, cols: number, rows: number): boolean {
  const l = timelapseLayout(width, height, cols, rows);
  return l.mosaic.width <= width && l.mosaic.height + l.counter.height <= height;
}
