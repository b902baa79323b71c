/**
 * The viewer's keyboard: a focus cell on the mosaic that the arrow keys move and the camera
 * follows, Enter or Space to open its tile, zoom and overview keys, and what the focused cell
 * holds said in a polite live region (its number or "empty", row and column, rally).
 */
import { t } from '../i18n/index.ts';
import { getTile } from '../net/api.ts';
import type { BoardTile } from '../render/types.ts';
import type { RunningMosaic } from './mosaic.ts';

/** Below this many screen px per cell, the first move zooms in so that the cell can be seen. */
const MIN_CELL_PX = 16;
const NEAR_CELL_PX = 48;
const ZOOM_STEP = 1.5;

export interface ViewerKeyOptions {
  /** Opens a tile's dialog. */
  open(tile: BoardTile): void;
  /** Says a line in the page's live region. */
  say(text: string): void;
  /** True while camera flights are off (reduced motion). */
  still(): boolean;
}

export interface ViewerKeys {
  /** Moves the focus cell to a tile (one opened by a tap or found by its number). */
  focusTile(tile: BoardTile): void;
}

export function bindViewerKeys(running: RunningMosaic, opts: ViewerKeyOptions): ViewerKeys {
  const { board } = running;
  const canvas = board.canvas;
  let at: [number, number] | null = null;
  let said = 0;
  const rallies = new Map<number, string | null>();

  const centreCell = (): [number, number] => {
    const v = board.viewport;
    const c = board.cellAtScreen(v.width / 2, v.height / 2) ?? 0;
    return [c % board.cols, Math.floor(c / board.cols)];
  };

  const show = (): void => {
    if (at && document.activeElement === canvas) board.focusCell(at[0], at[1]);
  };

  /** Keeps the focus cell on screen, a cell's width in from the edges. */
  const follow = (): void => {
    if (!at) return;
    const cam = board.camera;
    if (cam.scale < MIN_CELL_PX) {
      board.setCamera({ scale: NEAR_CELL_PX, cx: at[0] + 0.5, cy: at[1] + 0.5 });
      return;
    }
    const v = board.viewport;
    const [sx, sy] = board.cellToScreen(at[0], at[1]);
    const mx = Math.min(v.width / 2, cam.scale * 1.5);
    const my = Math.min(v.height / 2, cam.scale * 1.5);
    const dx = sx < mx ? sx - mx : sx > v.width - mx ? sx - (v.width - mx) : 0;
    const dy = sy < my ? sy - my : sy > v.height - my ? sy - (v.height - my) : 0;
    if (dx || dy) board.setCamera({ ...cam, cx: cam.cx + dx / cam.scale, cy: cam.cy + dy / cam.scale });
  };

  /** Says what the focus cell holds, once the keys rest (a held arrow key says only the last). */
  const announce = (): void => {
    const token = ++said;
    setTimeout(async () => {
      if (token !== said || !at) return;
      const [col, row] = at;
      const place = { row: row + 1, col: col + 1 };
      const tile = await running.tileInCell(row * board.cols + col);
      if (token !== said) return;
      if (!tile) return opts.say(t('view.cellEmpty', place));
      let rally = rallies.get(tile.id);
      if (rally === undefined) {
        rally = await getTile(tile.id).then(
          (r) => r.event ?? null,
          () => null,
        );
        rallies.set(tile.id, rally);
      }
      if (token !== said) return;
      const text = t('view.cellTile', { id: tile.id, ...place });
      opts.say(rally ? `${text}. ${t('tile.event', { event: rally })}` : text);
    }, 150);
  };

  const moveTo = (col: number, row: number): void => {
    at = [Math.max(0, Math.min(board.cols - 1, col)), Math.max(0, Math.min(board.rows - 1, row))];
    show();
    follow();
    announce();
  };

  const openFocused = async (): Promise<void> => {
    if (!at) return;
    const [col, row] = at;
    const tile = await running.tileInCell(row * board.cols + col);
    if (tile) opts.open(tile);
    else opts.say(t('view.cellEmpty', { row: row + 1, col: col + 1 }));
  };

  const onKey = (e: KeyboardEvent): void => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    at ??= centreCell();
    const [col, row] = at;
    const screenRows = Math.max(1, Math.floor(board.viewport.height / board.camera.scale));
    switch (e.key) {
      case 'ArrowLeft':
        moveTo(col - 1, row);
        break;
      case 'ArrowRight':
        moveTo(col + 1, row);
        break;
      case 'ArrowUp':
        moveTo(col, row - 1);
        break;
      case 'ArrowDown':
        moveTo(col, row + 1);
        break;
      case 'PageUp':
      case 'PageDown': {
        const d = e.key === 'PageUp' ? -screenRows : screenRows;
        const cam = board.camera;
        board.setCamera({ ...cam, cy: cam.cy + d });
        moveTo(col, row + d);
        break;
      }
      case '+':
      case '=':
      case '-':
      case '_':
      case '−': {
        const [sx, sy] = board.cellToScreen(col, row);
        board.zoomBy(e.key === '+' || e.key === '=' ? ZOOM_STEP : 1 / ZOOM_STEP, sx, sy);
        show();
        break;
      }
      case '0':
      case 'Home':
        board.overview(opts.still() ? 0 : 1200);
        show();
        break;
      case 'Enter':
      case ' ':
        show();
        void openFocused();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  canvas.addEventListener('keydown', onKey);
  canvas.addEventListener('focus', () => {
    // A click focuses the canvas too: the ring shows only for keyboard focus.
    if (!canvas.matches(':focus-visible')) return;
    at ??= centreCell();
    show();
    announce();
  });
  canvas.addEventListener('blur', () => board.focusCell(null));

  return {
    focusTile: (tile) => {
      at = [tile.col, tile.row];
    },
  };
}
