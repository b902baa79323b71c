/**
 * Wires a MosaicBoard (render) to the server (net): the one place where the two meet.
 * Pages call this and add their own behaviour through the hooks.
 */

import type { MosaicInfo } from '../../shared/httpErrors.ts';
import type { EventHighlight, EventStats, WireChange } from '../../shared/protocol.ts';
import { getMosaic } from '../net/api.ts';
import { loadBitmap, serverImages } from '../net/images.ts';
import { LiveFeed, type LiveStatus } from '../net/live.ts';
import { bindCameraInput } from '../render/CameraInput.ts';
import { MosaicBoard } from '../render/MosaicBoard.ts';
import type { BoardImages } from '../render/types.ts';

export interface MosaicHooks {
  event?: string | null;
  /** Wheel/drag/pinch/keys on the canvas (off for the event screen). */
  input?: boolean;
  maxCellPx?: number;
  relaid?(grown: boolean): void;
  changed?(cells: number[], arrived: number[], changes: readonly WireChange[]): void;
  status?(s: LiveStatus): void;
  stats?(s: EventStats): void;
  highlighted?(h: EventHighlight): void;
}

export interface RunningMosaic {
  board: MosaicBoard;
  feed: LiveFeed;
  info: MosaicInfo;
}

export async function startMosaic(parent: HTMLElement, hooks: MosaicHooks = {}): Promise<RunningMosaic> {
  // The WebGL context starts while the mosaic's description downloads.
  const infoP = getMosaic();
  const images: BoardImages = {
    atlas: async (ax, ay, v, signal) => serverImages(await infoP).atlas(ax, ay, v, signal),
    photo: async (id, size, signal) => serverImages(await infoP).photo(id, size, signal),
  };
  const [info, board] = await Promise.all([
    infoP,
    MosaicBoard.create({ parent, images, maxCellPx: hooks.maxCellPx }),
  ]);
  if (hooks.input !== false) bindCameraInput(board);
  loadBitmap(info.targetUrl).then(
    (img) => board.setTarget(img),
    () => {
      // The dimmed target behind empty cells is decoration; the mosaic works without it.
    },
  );
  const feed = new LiveFeed(
    {
      relaid: (model, grown) => {
        board.relayout(model, grown);
        hooks.relaid?.(grown);
      },
      changed: (_model, cells, arrived, changes) => {
        board.changed(cells, arrived);
        hooks.changed?.(cells, arrived, changes);
      },
      status: (s) => hooks.status?.(s),
      stats: (s) => hooks.stats?.(s),
      highlighted: (h) => hooks.highlighted?.(h),
    },
    { event: hooks.event ?? null },
  );
  // A read-only handle for end-to-end tests and curious people in the console.
  (window as unknown as { kiss: RunningMosaic }).kiss = { board, feed, info };
  return { board, feed, info };
}
