/**
 * Wires a MosaicBoard (render) to the server (net): the one place where the two meet.
 * Pages call this and add their own behaviour through the hooks.
 */

import type { MosaicInfo } from '../../shared/httpApi.ts';
import type { EventHighlight, EventStats, LiveMosaic, LiveRole, WireChange } from '../../shared/protocol.ts';
import { getMosaic, getTile } from '../net/api.ts';
import { loadBitmap } from '../net/bitmap.ts';
import { loadColourTile, serverImages } from '../net/images.ts';
import { LiveFeed, type LiveStatus } from '../net/live.ts';
import { takeView } from '../net/snapshot.ts';
import { OVERVIEW_PREVIEW_ID } from '../preview/ids.ts';
import { bindCameraInput } from '../render/CameraInput.ts';
import { MosaicBoard } from '../render/MosaicBoard.ts';
import { regionBlock, regionOfCell } from '../render/pyramidPlan.ts';
import type { BoardImages, BoardTile } from '../render/types.ts';

/** Blocks of cells loaded at once. */
const BLOCKS_IN_FLIGHT = 4;

export interface MosaicHooks {
  event?: string | null;
  /** A person's viewer or a rally's screen, as the console counts them (the page's path by default). */
  role?: LiveRole;
  /** Wheel/drag/pinch/keys on the canvas (off for the event screen). */
  input?: boolean;
  /** The camera's own keys on the canvas (default); off where the page binds its own. */
  keys?: boolean;
  maxCellPx?: number;
  /** New tiles land with an animation (default); off for people who ask for reduced motion. */
  animateArrivals?: boolean;
  /** The layout was replaced (a snapshot, or a growth when `grown`); `model` is the live mosaic. */
  relaid?(grown: boolean, model: LiveMosaic): void;
  /** Cells changed, `arrived` got a new tile; `model` is the live mosaic after the change. */
  changed?(cells: number[], arrived: number[], changes: readonly WireChange[], model: LiveMosaic): void;
  status?(s: LiveStatus): void;
  /** The page has applied every change up to the server's seq when it first went live. */
  synced?(): void;
  stats?(s: EventStats): void;
  highlighted?(h: EventHighlight): void;
  /** The mosaic's description, as soon as it arrives (before the board is up). */
  described?(info: MosaicInfo): void;
}

export interface RunningMosaic {
  board: MosaicBoard;
  feed: LiveFeed;
  info: MosaicInfo;
  /**
   * Holds what the live feed says (changes, re-layouts, counts) from the board and the hooks,
   * in order, until resume(); the feed itself keeps up, so nothing is missed.
   */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** The tile in a cell, loading the cell's block first when the board does not hold it. */
  tileInCell(cell: number): Promise<BoardTile | null>;
  /** A tile by id (a permalink), wherever it is: null when it is not in the mosaic. */
  findTile(id: number): Promise<BoardTile | null>;
}

/** Cells a tile left by a delete or a hide in `changes` (see MosaicBoard.changed). */
function removedCells(changes: readonly WireChange[], cols: number): number[] {
  const cells: number[] = [];
  for (const c of changes) if (c.type === 'removed') cells.push(c.row * cols + c.col);
  return cells;
}

export async function startMosaic(parent: HTMLElement, hooks: MosaicHooks = {}): Promise<RunningMosaic> {
  // The WebGL context starts while the mosaic's description downloads.
  const infoP = getMosaic();
  infoP.then(
    (info) => hooks.described?.(info),
    () => {},
  );
  const images: BoardImages = {
    atlas: async (ax, ay, v, signal) => serverImages(await infoP).atlas(ax, ay, v, signal),
    photo: async (id, size, signal) => serverImages(await infoP).photo(id, size, signal),
    colourTile: (level, tx, ty, version, signal) => loadColourTile(level, tx, ty, version, signal),
  };
  // The live connection opens at once too: the snapshot (12 bytes a tile) downloads while
  // the WebGL board starts. What arrives before the board and the page are ready waits in
  // `early`, in order, and runs on the task after this function has returned.
  const boardP = MosaicBoard.create({
    parent,
    images,
    maxCellPx: hooks.maxCellPx,
    animateArrivals: hooks.animateArrivals,
    // `?atlas=blocks`: every change fetches its atlas block again (the viewer before patches).
    patchLandings: new URLSearchParams(location.search).get('atlas') !== 'blocks',
  });
  let ready: MosaicBoard | null = null;
  let paused = false;
  const early: ((b: MosaicBoard) => void)[] = [];
  let overviewMarked = false;
  const onBoard = (fn: (b: MosaicBoard) => void): void => {
    if (ready && !paused) fn(ready);
    else early.push(fn);
  };
  const feed = new LiveFeed(
    {
      relaid: (model, grown, versions) =>
        onBoard((b) => {
          b.relayout(model, grown);
          if (model.partial) b.setPyramid(versions ?? []);
          hooks.relaid?.(grown, model);
        }),
      changed: (model, cells, arrived, changes) => {
        // Paused: the model moves on, the board shows none of it until resumed.
        if (ready && paused) ready.hold(cells);
        onBoard((b) => {
          b.changed(cells, arrived, removedCells(changes, model.cols));
          hooks.changed?.(cells, arrived, changes, model);
        });
      },
      status: (s) => {
        if (s === 'live' && !overviewMarked) {
          overviewMarked = true;
          // Synced: every change up to the server's seq is queued ahead of this; the mark
          // waits for the frame that shows the whole view (the pyramid's tiles loaded).
          onBoard((b) => {
            hooks.synced?.();
            b.afterOverviewDrawn(() => {
              // The first whole picture: the board's, unless the page's preview showed one first.
              if (!performance.getEntriesByName('mosaic:overview').length)
                performance.mark('mosaic:overview');
              performance.mark('mosaic:live');
            });
          });
        }
        hooks.status?.(s);
      },
      // Counts and highlights wait only while paused (they need no board).
      stats: (s) => (paused ? early.push(() => hooks.stats?.(s)) : hooks.stats?.(s)),
      highlighted: (h) => (paused ? early.push(() => hooks.highlighted?.(h)) : hooks.highlighted?.(h)),
    },
    { event: hooks.event ?? null, role: hooks.role, initial: takeView() },
  );
  let info: MosaicInfo;
  let board: MosaicBoard;
  try {
    [info, board] = await Promise.all([infoP, boardP]);
    performance.mark('kiss:board-ready');
  } catch (err) {
    feed.close();
    throw err;
  }
  if (hooks.input !== false) bindCameraInput(board, board.canvas, hooks.keys !== false);
  dropPreviewWhenDrawn(board);
  const blocks = blockLoader(board, feed);
  loadBitmap(info.targetPreviewUrl).then(
    (img) => board.setTarget(img),
    () => {
      // The dimmed target behind empty cells is decoration; the mosaic works without it.
    },
  );
  const flush = (): void => {
    if (ready && !paused) for (const fn of early.splice(0)) fn(ready);
  };
  const running: RunningMosaic = {
    board,
    feed,
    info,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      flush();
    },
    get paused() {
      return paused;
    },
    tileInCell: async (cell) => {
      // The block may be on its way (the camera asked for it): load() waits for it, or asks.
      if (feed.mosaic.partial)
        await blocks.load(regionOfCell(board.cols, cell % board.cols, Math.floor(cell / board.cols)));
      return board.tileInCell(cell);
    },
    findTile: async (id) => {
      const held = board.tileById(id);
      if (held || !feed.mosaic.partial) return held;
      try {
        const t = await getTile(id);
        const tile = await running.tileInCell(t.row * board.cols + t.col);
        return tile?.id === id ? tile : null;
      } catch {
        return null;
      }
    },
  };
  setTimeout(() => {
    // A read-only handle for end-to-end tests and curious people in the console.
    (window as unknown as { kiss: RunningMosaic }).kiss = running;
    ready = board;
    flush();
    performance.mark('kiss:early-drawn');
  });
  return running;
}

/**
 * The server's first picture (client/preview/overview.ts) lies over the board until the board
 * shows the same, or until the camera is moved by hand, whichever is first.
 */
function dropPreviewWhenDrawn(board: MosaicBoard): void {
  const preview = document.getElementById(OVERVIEW_PREVIEW_ID);
  if (!preview) return;
  const drop = (): void => preview.remove();
  board.afterOverviewDrawn(drop);
  for (const type of ['pointerdown', 'wheel', 'keydown'] as const)
    board.canvas.addEventListener(type, drop, { once: true, passive: true });
}

/**
 * Loads the blocks of cells the board asks for (region mode), a few at a time, nearest the
 * centre first; a block that fails is asked for again when the camera next needs it.
 */
function blockLoader(board: MosaicBoard, feed: LiveFeed): { load(block: number): Promise<void> } {
  const queue: number[] = [];
  /** Blocks queued or loading, with whoever waits for them. */
  const waiting = new Map<number, (() => void)[]>();
  let inFlight = 0;
  const pump = (): void => {
    while (inFlight < BLOCKS_IN_FLIGHT && queue.length) {
      const b = queue.shift()!;
      inFlight++;
      const done = (ok: boolean): void => {
        inFlight--;
        if (!ok) board.regionFailed(b);
        for (const w of waiting.get(b) ?? []) w();
        waiting.delete(b);
        pump();
      };
      feed.loadBlock(regionBlock(board.cols, board.rows, b)).then(
        (cells) => done(cells !== null),
        () => done(false),
      );
    }
  };
  const add = (b: number): void => {
    if (!waiting.has(b)) waiting.set(b, []);
    queue.push(b);
    pump();
  };
  board.onNeedRegions = (need) => {
    for (const b of need) add(b);
  };
  return {
    load: (b) =>
      new Promise<void>((resolve) => {
        if (board.regionAsked(b)) add(b);
        const list = waiting.get(b);
        if (list) list.push(resolve);
        else resolve();
      }),
  };
}
