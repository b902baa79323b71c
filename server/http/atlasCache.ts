import { ATLAS_CELLS, ATLAS_TILE_PX } from '../../shared/httpApi.ts';
import type { MosaicPort } from '../core/port.ts';
import { renderAtlas } from '../ingest/compose.ts';

const MAX_ENTRIES = 512;

/**
 * Tinted blocks of 16x16 tiles for the viewer's middle zoom. Rendered on demand,
 * kept in an LRU, and invalidated block by block: a change re-renders only the
 * blocks it touched (a growth drops them all, as every cell moved).
 */
export class AtlasCache {
  private readonly cache = new Map<string, Promise<Buffer>>();
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
    hit = renderAtlas({
      cells: ATLAS_CELLS,
      tilePx: ATLAS_TILE_PX,
      col0: ax * ATLAS_CELLS,
      row0: ay * ATLAS_CELLS,
      tiles: this.service.liveIn(ax * ATLAS_CELLS, ay * ATLAS_CELLS, ATLAS_CELLS, ATLAS_CELLS),
      read: (id, size) => this.service.readFile(id, size),
    });
    hit.catch(() => this.cache.delete(key));
    this.cache.set(key, hit);
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return hit;
  }

  /** Whether a block is cached (for tests of the invalidation). */
  has(ax: number, ay: number): boolean {
    return this.cache.has(`${ax},${ay}`);
  }

  private invalidate(cells: readonly (readonly [number, number])[] | null) {
    if (!cells) {
      this.cache.clear();
      return;
    }
    for (const [col, row] of cells) {
      this.cache.delete(`${Math.floor(col / ATLAS_CELLS)},${Math.floor(row / ATLAS_CELLS)}`);
    }
  }

  close() {
    this.unsubscribe();
    this.cache.clear();
  }
}
