/**
 * The board's near levels of detail: the tinted 32 px atlas blocks at middle zoom, and the
 * 128 and 512 px photos close in. What to draw is decided by lod.ts's planners; this keeps the
 * three image layers and the atlas blocks' versions (the seq of each block's last change).
 */
import type { CameraState, Viewport } from './camera.ts';
import { visibleCells } from './camera.ts';
import { ImageLayer, type WantedImage } from './ImageLayer.ts';
import { ATLAS_CELLS, planAtlases, planPhotos } from './lod.ts';
import { bakeTint } from './tintBake.ts';
import type { BoardImages, BoardTile } from './types.ts';

const MB = 1024 * 1024;

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
  private cols = 1;
  /** The seq every atlas block is at, unless it changed since (`blockSeq`). */
  private seqBase = 0;
  private readonly blockSeq = new Map<number, number>();

  constructor(
    onChange: () => void,
    private readonly images: BoardImages,
  ) {
    this.atlases = new ImageLayer({
      budgetBytes: 128 * MB,
      maxEntries: 128,
      maxInflight: 6,
      minReloadMs: 1200,
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
    this.atlases.clear();
  }

  /** A cell changed at `seq`: its atlas block is asked for at that version from now on. */
  changed(col: number, row: number, seq: number): void {
    const bw = Math.ceil(this.cols / ATLAS_CELLS);
    this.blockSeq.set(Math.floor(row / ATLAS_CELLS) * bw + Math.floor(col / ATLAS_CELLS), seq);
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
    const atlasWant = atlases.blocks.map(([ax, ay]): WantedImage => {
      const version = this.blockSeq.get(ay * bw + ax) ?? this.seqBase;
      return {
        key: `${ax},${ay}`,
        x: ax * ATLAS_CELLS,
        y: ay * ATLAS_CELLS,
        size: ATLAS_CELLS,
        version,
        load: (signal) => this.images.atlas(ax, ay, version, signal),
      };
    });
    this.atlases.want(atlasWant, now);
    const atlasesCover = atlases.all && atlasWant.every((w) => this.atlases.current(w.key, w.version));
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
    return { atlases: atlasesCover, photos: photosCover };
  }

  get shownAtlases(): number {
    return this.atlases.shown;
  }

  get shownPhotos(): number {
    return this.photos128.shown + this.photos512.shown;
  }

  get bytes(): number {
    return this.atlases.bytes + this.photos128.bytes + this.photos512.bytes;
  }

  destroy(): void {
    this.atlases.destroy();
    this.photos128.destroy();
    this.photos512.destroy();
  }
}
