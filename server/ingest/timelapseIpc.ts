import type { TileSize } from '../../shared/httpApi.ts';
import type { CanvasText } from './TimelapseCanvas.ts';

/** What the renderer needs besides the tiles: the frame, the grid, the encoder and the output file. */
export interface WorkerSpec {
  width: number;
  height: number;
  fps: number;
  frames: number;
  cols: number;
  rows: number;
  /** Tiles (the first ones of the list) already there in the first frame. */
  already: number;
  text: CanvasText;
  /** The ffmpeg executable. */
  ffmpeg: string;
  /** The file to write (a temporary name; the parent renames it when the child exits 0). */
  out: string;
}

/** Parent to renderer. */
export type ToWorker =
  | {
      type: 'start';
      spec: WorkerSpec;
      /** Tiles in arrival order, six numbers each: id, col, row, tint r, g, b. */
      tiles: Int32Array;
      /** The mosaic's empty background, raw RGB at the layout's mosaic size. */
      background: Uint8Array;
    }
  | { type: 'files'; files: (Uint8Array | null)[] };

/** Renderer to parent. */
export type ToParent =
  | { type: 'ready' }
  | { type: 'need'; ids: number[]; size: TileSize }
  | { type: 'progress'; value: number }
  | { type: 'error'; message: string };
