import type { TileSize } from '../../shared/httpApi.ts';
import type { CanvasText } from './TimelapseCanvas.ts';

/** What one video frame changes, as the renderer applies it. */
export interface FrameStep {
  /** A grid to lay the whole frame out on again: `paint` then holds every tile in the frame. */
  grid?: { cols: number; rows: number };
  /** Cells to draw, six numbers each: tile id, col, row, tint r, g, b. */
  paint: Int32Array;
  /** Cells to show empty again, two numbers each: col, row. */
  clear: Int32Array;
  /** Tiles in the frame, for the counter. */
  count: number;
}

/** What the renderer needs besides the tiles: the frame, the grid, the encoder and the output file. */
export interface WorkerSpec {
  width: number;
  height: number;
  fps: number;
  frames: number;
  text: CanvasText;
  /** The ffmpeg executable. */
  ffmpeg: string;
  /** The file to write (a temporary name; the parent renames it when the child exits 0). */
  out: string;
}

/** Parent to renderer. */
export type ToWorker =
  | { type: 'start'; spec: WorkerSpec }
  | {
      type: 'step';
      step: FrameStep;
      /** With a new grid: the mosaic's empty background, raw RGB at the layout's mosaic size. */
      background?: Uint8Array;
    }
  | {
      type: 'files';
      files: (Uint8Array | null)[];
      /** Which of `files` are a tile's raw 32 px pixels (sent for size 32 where the tile keeps them) rather than a WebP. */
      raw: boolean[];
    };

/** Renderer to parent. */
export type ToParent =
  | { type: 'ready' }
  | { type: 'need'; ids: number[]; size: TileSize }
  /** The next frame's changes, please (frames are asked for in order). */
  | { type: 'step'; frame: number }
  | { type: 'progress'; value: number }
  | { type: 'error'; message: string };
