/**
 * The board's far levels when its model holds only some cells (pyramid mode): the live colour
 * pyramid's tiles, drawn beneath the colour layer, and the blocks of cells the camera needs.
 * What to draw and ask for is decided by pyramidPlan.ts; this keeps the two image layers, the
 * pyramid's versions and which blocks were asked for.
 */
import { blockOfCell, type ColourPyramid, colourPyramidOf } from '../../shared/mosaic/colourPyramid.ts';
import type { CameraState, Viewport } from './camera.ts';
import { ImageLayer, type WantedImage } from './ImageLayer.ts';
import { type PlannedTile, planColour, planRegions } from './pyramidPlan.ts';
import type { BoardImages } from './types.ts';

const MB = 1024 * 1024;

export class PyramidLayers {
  /** The top tile (the whole mosaic), beneath the level drawn. */
  readonly top: ImageLayer;
  readonly tiles: ImageLayer;
  private pyramid: ColourPyramid | null = null;
  private versions = new Uint32Array(0);
  /** Blocks of cells asked for (see pyramidPlan.ts); a block is asked for once per layout. */
  private readonly regions = new Set<number>();
  /** The tiles of the last plan are all loaded: the view is drawn whole. */
  covers = false;
  /** Asked for blocks of cells the camera needs; the page loads them. */
  onNeedRegions: ((blocks: number[]) => void) | null = null;

  constructor(
    onChange: () => void,
    private readonly load: BoardImages['colourTile'],
  ) {
    this.top = new ImageLayer({
      budgetBytes: 8 * MB,
      maxEntries: 4,
      maxInflight: 2,
      minReloadMs: 30_000,
      onChange,
    });
    this.tiles = new ImageLayer({
      budgetBytes: 48 * MB,
      maxEntries: 160,
      maxInflight: 6,
      minReloadMs: 30_000,
      onChange,
    });
  }

  /** A new layout: no block is held; a model holding every cell needs no pyramid. */
  relaid(partial: boolean): void {
    this.regions.clear();
    this.covers = false;
    if (!partial) {
      this.pyramid = null;
      this.top.clear();
      this.tiles.clear();
    }
  }

  /** The pyramid of a cols x rows grid with each block's version, as the view start gave them. */
  set(cols: number, rows: number, versions: ArrayLike<number>): void {
    const p = colourPyramidOf(cols, rows);
    if (!(this.pyramid && this.pyramid.cols === p.cols && this.pyramid.rows === p.rows)) {
      // The old tiles stay up, faded by the colour layer's cross-fade, until the new ones load.
      this.top.clear();
      this.tiles.clear();
    }
    this.pyramid = p;
    this.versions = Uint32Array.from(versions);
  }

  /** A cell changed at `seq`: the tiles above it are named by their new version from now on. */
  changed(col: number, row: number, seq: number): void {
    if (this.pyramid) this.versions[blockOfCell(this.pyramid, col, row)] = seq;
  }

  /** A block could not be loaded: it is asked for again when the camera next needs it. */
  failed(block: number): void {
    this.regions.delete(block);
  }

  /** Marks a block as asked for; false when it was already. */
  ask(block: number): boolean {
    if (this.regions.has(block)) return false;
    this.regions.add(block);
    return true;
  }

  set visible(on: boolean) {
    this.top.container.visible = on;
    this.tiles.container.visible = on;
  }

  get bytes(): number {
    return this.top.bytes + this.tiles.bytes;
  }

  get shown(): number {
    return this.top.shown + this.tiles.shown;
  }

  /** The tiles for the camera, and the blocks of cells it needs (none when the model holds every cell). */
  plan(
    now: number,
    cam: CameraState,
    view: Viewport,
    model: { cols: number; rows: number; partial: boolean },
  ): void {
    const p = this.pyramid;
    if (!p || !model.partial || !this.load) {
      this.top.want([], now);
      this.tiles.want([], now);
      return;
    }
    const load = this.load;
    const plan = planColour(p, this.versions, cam, view);
    const item = (t: PlannedTile): WantedImage => ({
      key: t.key,
      x: t.x,
      y: t.y,
      size: t.size,
      version: t.version,
      // A pixel per cell, drawn larger: crisp cells, as the colour layer draws them.
      scaleMode: t.level === 0 ? 'nearest' : 'linear',
      load: (signal) => load(t.level, t.tx, t.ty, t.version, signal),
    });
    this.top.want([item(plan.top)], now);
    const fine = plan.level === plan.top.level ? [] : plan.tiles.map(item);
    this.tiles.want(fine, now);
    this.covers =
      plan.level === plan.top.level
        ? this.top.ready(plan.top.key)
        : fine.every((w) => this.tiles.ready(w.key));
    const need = planRegions(cam, view, model.cols, model.rows, (b) => this.regions.has(b));
    if (need.length) {
      for (const b of need) this.regions.add(b);
      this.onNeedRegions?.(need);
    }
  }

  destroy(): void {
    this.top.destroy();
    this.tiles.destroy();
  }
}
