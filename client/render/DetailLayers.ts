/**
 * The board's near levels of detail: the tinted 32 px atlas blocks at middle zoom, the 32 px
 * tiles drawn over held blocks where cells changed (atlasVersions.ts), and the 128 and 512 px
 * photos close in. What to draw is decided by lod.ts's and atlasVersions.ts's planners; this
 * keeps the image layers.
 */

import { AtlasVersions } from './atlasVersions.ts';
import type { CameraState, Viewport } from './camera.ts';
import { visibleCells } from './camera.ts';
import { ImageLayer, type WantedImage } from './ImageLayer.ts';
import { ATLAS_CELLS, planAtlases, planPhotos } from './lod.ts';
import { bakeTint } from './tintBake.ts';
import type { BoardImages, BoardTile } from './types.ts';

const MB = 1024 * 1024;

/** The atlas layer's key for block (ax, ay). */
const atlasKey = (ax: number, ay: number): string => `${ax},${ay}`;
/** A tile's tint as part of an image key: the same tile under another tint is another image. */
const tintKey = ({ tint }: BoardTile): string => `${tint.r},${tint.g},${tint.b}`;

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
  private readonly versions = new AtlasVersions();

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
    // A patch is of use only while its block is held at the version it covers: once the block
    // is fetched again it is never wanted again, so few idle ones are kept (each holds a canvas,
    // and a screen sees thousands of landings in an evening). Wanted ones are never evicted.
    this.patches = new ImageLayer({
      budgetBytes: 8 * MB,
      maxEntries: 64,
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
    this.versions.relaid(cols, seq);
    this.atlases.clear();
    this.patches.clear();
  }

  /**
   * A cell changed at `seq`. When it holds a tile that can be drawn over the block (`patch`)
   * and the viewer holds that block, it is; any other change asks for the block at `seq`.
   */
  changed(col: number, row: number, seq: number, patch = false): void {
    const held = this.atlases.ready(atlasKey(Math.floor(col / ATLAS_CELLS), Math.floor(row / ATLAS_CELLS)));
    this.versions.changed(col, row, seq, patch, held);
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
    const bw = this.versions.blocksWide;
    const atlases = planAtlases(cam.scale, v);
    this.versions.keepHeld((block) => this.atlases.ready(atlasKey(block % bw, Math.floor(block / bw))));
    const patchWant: WantedImage[] = [];
    const atlasWant = atlases.blocks.map(([ax, ay]): WantedImage => {
      const block = ay * bw + ax;
      const key = atlasKey(ax, ay);
      const { version, over } = this.versions.plan(block, this.atlases.loadedVersion(key));
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
      const item = (s: 128 | 512): WantedImage => ({
        key: `${t.id}:${s}:${tintKey(t)}`,
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
      key: `${t.id}:${tintKey(t)}`,
      x: t.col,
      y: t.row,
      size: 1,
      version: 0,
      load: (signal) =>
        this.images.photo(t.id, 32, signal).then(
          (img) => bakeTint(img, t.tint),
          (err: unknown) => {
            if (!signal.aborted) {
              this.versions.failed(block, cell, seq);
              this.onChange();
            }
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
