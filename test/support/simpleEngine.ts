/**
 * A plain, linear-scan placement engine: the naive reference the engine benchmark
 * measures the indexed engine against, in the same run.
 */
import type { EngineOptions, PlacementEngine } from '../../shared/mosaic/engineApi.ts';
import { computeTint } from '../../shared/mosaic/tint.ts';
import {
  type Change,
  FEATURE_LEN,
  type Features,
  type GrownChange,
  type Placement,
  type RemovedChange,
} from '../../shared/mosaic/types.ts';

function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
  let s = 0;
  for (let k = 0; k < FEATURE_LEN; k++) {
    const d = a[ao + k]! - b[bo + k]!;
    s += d * d;
  }
  return s;
}

/**
 * Builds the linear-scan engine: each arrival scans every free cell (O(cells)).
 * Correct but slow; kept as the naive reference for the benchmark.
 */
export function createSimpleEngine(opts: EngineOptions): PlacementEngine {
  let cols = opts.cols;
  let rows = opts.rows;
  let cells = opts.cellFeatures;
  let seq = opts.seq ?? 0;
  let occupant = new Int32Array(cols * rows);
  const tiles = new Map<number, { features: Features; cell: number }>();

  const placementOf = (id: number, cell: number, f: Features): Placement => ({
    id,
    col: cell % cols,
    row: Math.floor(cell / cols),
    tint: computeTint(f, 0, cells, cell * FEATURE_LEN, opts.tint),
  });

  const bestFree = (f: Features): number => {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < occupant.length; c++) {
      if (occupant[c] !== 0) continue;
      const d = sqDist(f, 0, cells, c * FEATURE_LEN);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  };

  const engine: PlacementEngine = {
    get cols() {
      return cols;
    },
    get rows() {
      return rows;
    },
    get seq() {
      return seq;
    },
    get size() {
      return tiles.size;
    },
    isFull: () => tiles.size >= occupant.length,
    place(id: number, features: Features): Change[] {
      if (tiles.has(id)) throw new Error(`tile ${id} is already placed`);
      const cell = bestFree(features);
      if (cell < 0) throw new Error('mosaic is full; grow() first');
      occupant[cell] = id;
      tiles.set(id, { features, cell });
      return [{ type: 'placed', seq: ++seq, ...placementOf(id, cell, features) }];
    },
    remove(id: number): RemovedChange | null {
      const t = tiles.get(id);
      if (!t) return null;
      occupant[t.cell] = 0;
      tiles.delete(id);
      return { type: 'removed', seq: ++seq, id, col: t.cell % cols, row: Math.floor(t.cell / cols) };
    },
    grow(newCols: number, newRows: number, cellFeatures: Float32Array): GrownChange {
      cols = newCols;
      rows = newRows;
      cells = cellFeatures;
      occupant = new Int32Array(cols * rows);
      const out: Placement[] = [];
      for (const [id, t] of [...tiles].sort((a, b) => a[0] - b[0])) {
        t.cell = bestFree(t.features);
        occupant[t.cell] = id;
        out.push(placementOf(id, t.cell, t.features));
      }
      return { type: 'grown', seq: ++seq, cols, rows, placements: out };
    },
    get(id: number): Placement | undefined {
      const t = tiles.get(id);
      return t ? placementOf(id, t.cell, t.features) : undefined;
    },
    placements(): Placement[] {
      return [...tiles].map(([id, t]) => placementOf(id, t.cell, t.features));
    },
  };
  return engine;
}
