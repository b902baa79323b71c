/**
 * The board's near levels of detail: the tinted 32 px atlas blocks at middle zoom, and the
 * 128 and 512 px photos close in. What to draw is decided by lod.ts's planners; this keeps the
 * image layers and the atlas blocks' versions (the seq of each block's last change).
 *
 * A tile that lands in a cell of a block the viewer already holds, or moves there in a swap,
 * is drawn over that block from its own 32 px WebP (tinted here as the block would be),
 * instead of fetching the whole block again: about a kilobyte, not fifteen, for each change
 * in view. A cell left empty, a tile arriving where one was just deleted, or more than
 * {@link MAX_PATCHES} such cells on one block fetch the block again as before.
 */
import type { CameraState, Viewport } from './camera.ts';
import { visibleCells } from './camera.ts';
import { ImageLayer, type WantedImage } from './ImageLayer.ts';
import { ATLAS_CELLS, planAtlases, planPhotos } from './lod.ts';
import { bakeTint } from './tintBake.ts';
import type { BoardImages, BoardTile } from './types.ts';

const MB = 1024 * 1024;

/** Most cells drawn over one held atlas block; one more fetches the block again. */
export const MAX_PATCHES = 24;

/** What the near levels cover, so the board can skip drawing the layers beneath. */
export interface DetailCover {
  /** Current atlases cover the whole view. */
  atlases: boolean;
  /** Loaded photos cover the whole view. */
  photos: boolean;
}

export class DetailLayers {
  readonly atlases: ImageLayer;
  readonly photos128: ImageLayer;
  readonly photos512: ImageLayer;
  /** 32 px tiles drawn over held atlas blocks where their cells changed (see the top of this file). */
  readonly patches: ImageLayer;
  private cols = 1;
  /** The seq every atlas block is at, unless it changed since (`blockSeq`). */
  private seqBase = 0;
  private readonly blockSeq = new Map<number, number>();
  /** Per block: the seq of its last change that a patch cannot show (the block is needed at it). */
  private readonly hardSeq = new Map<number, number>();
  /** Per block: cells drawn over it since it was fetched (cell -> seq of the cell's last change). */
  private readonly drawnOver = new Map<number, Map<number, number>>();

  constructor(
    private readonly onChange: () => void,
    private readonly images: BoardImages,
  ) {
    this.atlases = new ImageLayer({
      budgetBytes: 128 * MB,
      maxEntries: 128,
      maxInflight: 6,
      minReloadMs: 1200,
      onChange,
    });
    this.patches = new ImageLayer({
      budgetBytes: 8 * MB,
      maxEntries: 2048,
      maxInflight: 8,
      minReloadMs: 0,
      onChange,
    });
    this.photos128 = new ImageLayer({
      budgetBytes: 64 * MB,
      maxEntries: 300,
      maxInflight: 8,
      minReloadMs: 0,
      onChange,
    });
    this.photos512 = new ImageLayer({
      budgetBytes: 96 * MB,
      maxEntries: 100,
      maxInflight: 4,
      minReloadMs: 0,
      onChange,
    });
  }

  /** A new layout at `seq` on a `cols`-wide grid; a new geometry drops the photos too. */
  relaid(cols: number, seq: number, regridded: boolean): void {
    if (regridded) {
      this.photos128.clear();
      this.photos512.clear();
    }
    this.cols = cols;
    this.seqBase = seq;
    this.blockSeq.clear();
    this.hardSeq.clear();
    this.drawnOver.clear();
    this.atlases.clear();
    this.patches.clear();
  }

  /**
   * A cell changed at `seq`. When it holds a tile that can be drawn over the block (`patch`)
   * and the viewer holds that block, it is; any other change asks for the block at `seq`.
   */
  changed(col: number, row: number, seq: number, patch = false): void {
    const bw = Math.ceil(this.cols / ATLAS_CELLS);
    const ax = Math.floor(col / ATLAS_CELLS);
    const ay = Math.floor(row / ATLAS_CELLS);
    const block = ay * bw + ax;
    const cell = row * this.cols + col;
    this.blockSeq.set(block, seq);
    const cells = this.drawnOver.get(block);
    if (patch && this.atlases.ready(`${ax},${ay}`)) {
      const now = cells ?? new Map<number, number>();
      if (now.size < MAX_PATCHES || now.has(cell)) {
        now.set(cell, seq);
        this.drawnOver.set(block, now);
        return;
      }
    }
    cells?.delete(cell);
    this.hardSeq.set(block, seq);
  }

  /** A cell's 32 px tile could not be loaded: its block is fetched again instead. */
  private patchFailed(block: number, cell: number, seq: number): void {
    this.drawnOver.get(block)?.delete(cell);
    this.hardSeq.set(block, Math.max(this.hardSeq.get(block) ?? this.seqBase, seq));
    this.onChange();
  }

  /**
   * Asks for the atlases and photos the camera needs (`devicePx` device px per cell for the
   * photos' size), and says which of them already cover the view.
   */
  plan(
    now: number,
    cam: CameraState,
    view: Viewport,
    grid: { cols: number; rows: number },
    devicePx: number,
    tileInCell: (cell: number) => BoardTile | null,
  ): DetailCover {
    const { cols, rows } = grid;
    const v = visibleCells(cam, view, cols, rows);
    const bw = Math.ceil(cols / ATLAS_CELLS);
    const atlases = planAtlases(cam.scale, v);
    // Cells of blocks no longer held are shown by those blocks when next fetched.
    for (const block of this.drawnOver.keys())
      if (!this.atlases.ready(`${block % bw},${Math.floor(block / bw)}`)) this.drawnOver.delete(block);
    const patchWant: WantedImage[] = [];
    const atlasWant = atlases.blocks.map(([ax, ay]): WantedImage => {
      const block = ay * bw + ax;
      const key = `${ax},${ay}`;
      const loaded = this.atlases.loadedVersion(key);
      const over = this.drawnOver.get(block);
      if (over) {
        for (const [cell, seq] of over) if (seq <= loaded) over.delete(cell);
        if (over.size === 0) this.drawnOver.delete(block);
      }
      // The held block stays while only changes drawn over it came after it.
      const hard = this.hardSeq.get(block) ?? this.seqBase;
      const version = loaded >= 0 && loaded >= hard ? loaded : (this.blockSeq.get(block) ?? this.seqBase);
      if (over && loaded >= 0)
        for (const [cell, seq] of over) this.patch(patchWant, block, cell, seq, tileInCell);
      return {
        key,
        x: ax * ATLAS_CELLS,
        y: ay * ATLAS_CELLS,
        size: ATLAS_CELLS,
        version,
        load: (signal) => this.images.atlas(ax, ay, version, signal),
      };
    });
    this.atlases.want(atlasWant, now);
    this.patches.want(patchWant, now);
    const atlasesCover =
      atlases.all &&
      atlasWant.every((w) => this.atlases.current(w.key, w.version)) &&
      patchWant.every((w) => this.patches.ready(w.key));
    const photos = planPhotos(devicePx, v, cols, (c) => tileInCell(c) !== null);
    const want128: WantedImage[] = [];
    const want512: WantedImage[] = [];
    let photosCover = photos.full;
    for (const c of photos.cells) {
      const t = tileInCell(c)!;
      const tintKey = `${t.tint.r},${t.tint.g},${t.tint.b}`;
      const item = (s: 128 | 512): WantedImage => ({
        key: `${t.id}:${s}:${tintKey}`,
        x: t.col,
        y: t.row,
        size: 1,
        version: 0,
        load: async (signal) => bakeTint(await this.images.photo(t.id, s, signal), t.tint),
      });
      const small = item(128);
      if (photos.size === 512) {
        const big = item(512);
        want512.push(big);
        if (!this.photos512.ready(big.key) && this.photos128.ready(small.key)) want128.push(small);
        photosCover &&= this.photos512.ready(big.key) || this.photos128.ready(small.key);
      } else {
        want128.push(small);
        photosCover &&= this.photos128.ready(small.key);
      }
    }
    this.photos128.want(want128, now);
    this.photos512.want(want512, now);
    // Atlases fully under loaded photos are not drawn: a software rasteriser pays for every pixel.
    this.atlases.container.visible = !photosCover;
    this.patches.container.visible = !photosCover;
    return { atlases: atlasesCover, photos: photosCover };
  }

  /** Adds the 32 px tile in `cell` now (if any) to `want`. */
  private patch(
    want: WantedImage[],
    block: number,
    cell: number,
    seq: number,
    tileInCell: (cell: number) => BoardTile | null,
  ): void {
    const t = tileInCell(cell);
    if (!t) return;
    want.push({
      key: `${t.id}:${t.tint.r},${t.tint.g},${t.tint.b}`,
      x: t.col,
      y: t.row,
      size: 1,
      version: 0,
      load: (signal) =>
        this.images.photo(t.id, 32, signal).then(
          (img) => bakeTint(img, t.tint),
          (err: unknown) => {
            if (!signal.aborted) this.patchFailed(block, cell, seq);
            throw err;
          },
        ),
    });
  }

  get shownAtlases(): number {
    return this.atlases.shown;
  }

  get shownPhotos(): number {
    return this.photos128.shown + this.photos512.shown;
  }

  /** 32 px tiles drawn over atlas blocks. */
  get shownPatches(): number {
    return this.patches.shown;
  }

  get bytes(): number {
    return this.atlases.bytes + this.patches.bytes + this.photos128.bytes + this.photos512.bytes;
  }

  destroy(): void {
    this.atlases.destroy();
    this.patches.destroy();
    this.photos128.destroy();
    this.photos512.destroy();
  }
}
