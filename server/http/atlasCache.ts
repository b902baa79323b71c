import { ATLAS_CELLS, ATLAS_TILE_PX } from '../../shared/httpApi.ts';
import type { MosaicPort } from '../core/port.ts';
import { AtlasCanvas } from '../ingest/AtlasCanvas.ts';

/** Encoded blocks kept. */
const MAX_ENTRIES = 512;
/**
 * Blocks whose pixels are kept (raw RGBA, 1 MB each at 16 cells of 32 px), so that a change
 * in one decodes only its changed cells: the blocks viewers looked at last.
 */
const MAX_CANVASES = 48;

/** A kept block's pixels, and its last update (updates run one after another). */
interface Kept {
  canvas: AtlasCanvas;
  busy: Promise<unknown>;
}

/**
 * Tinted blocks of 16x16 tiles for the viewer's middle zoom. Rendered on demand and kept
 * in an LRU of encoded blocks; a change drops the encoded blocks it touched (a growth
 * drops them all, as every cell moved). The pixels of recently rendered blocks are kept
 * too, so that rendering a block again after a tile landed in it draws that one tile, not
 * all 256 (which matters most where tiles must be decoded: tiles stored before their raw
 * pixels were kept).
 */
export class AtlasCache {
  private readonly cache = new Map<string, Promise<Buffer>>();
  private readonly canvases = new Map<string, Kept>();
  private readonly unsubscribe: () => void;

  constructor(private readonly service: MosaicPort) {
    this.unsubscribe = service.subscribeCells((cells) => this.invalidate(cells));
  }

  get(ax: number, ay: number): Promise<Buffer> {
    const key = `${ax},${ay}`;
    let hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    hit = this.render(key, ax, ay);
    hit.catch(() => {
      if (this.cache.get(key) === hit) this.cache.delete(key);
    });
    this.cache.set(key, hit);
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return hit;
  }

  /** Whether a block is cached (for tests of the invalidation). */
  has(ax: number, ay: number): boolean {
    return this.cache.has(`${ax},${ay}`);
  }

  /** The block's pixels brought up to date after any update already under way, encoded. */
  private render(key: string, ax: number, ay: number): Promise<Buffer> {
    let kept = this.canvases.get(key);
    if (kept) this.canvases.delete(key);
    else kept = { canvas: new AtlasCanvas(ATLAS_CELLS, ATLAS_TILE_PX), busy: Promise.resolve() };
    this.canvases.set(key, kept);
    if (this.canvases.size > MAX_CANVASES) this.canvases.delete(this.canvases.keys().next().value!);
    const { canvas } = kept;
    const col0 = ax * ATLAS_CELLS;
    const row0 = ay * ATLAS_CELLS;
    const run = kept.busy.then(async () => {
      // The tiles as they are when this update starts, not when it was asked for.
      const tiles = this.service.liveIn(col0, row0, ATLAS_CELLS, ATLAS_CELLS);
      await canvas.update(
        tiles,
        col0,
        row0,
        (id, size) => this.service.readFile(id, size),
        (id) => this.service.readRgb32(id),
      );
      return canvas.encode();
    });
    kept.busy = run.catch(() => {});
    return run;
  }

  private invalidate(cells: readonly (readonly [number, number])[] | null) {
    if (!cells) {
      this.cache.clear();
      this.canvases.clear();
      return;
    }
    for (const [col, row] of cells) {
      const key = `${Math.floor(col / ATLAS_CELLS)},${Math.floor(row / ATLAS_CELLS)}`;
      this.cache.delete(key);
      // A removed tile's pixels go now, not at the block's next render.
      this.canvases.get(key)?.canvas.forget(col % ATLAS_CELLS, row % ATLAS_CELLS);
    }
  }

  close() {
    this.unsubscribe();
    this.cache.clear();
    this.canvases.clear();
  }
}
