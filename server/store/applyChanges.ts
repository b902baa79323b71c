import type { Change, Tint } from '../../shared/mosaic/types.ts';

/** Where a change puts tiles: id -> cell and tint; `null` means the tile left the grid. */
export function placementsOf(
  changes: readonly Change[],
): Map<number, { col: number; row: number; tint: Tint } | null> {
  const out = new Map<number, { col: number; row: number; tint: Tint } | null>();
  for (const c of changes) {
    switch (c.type) {
      case 'placed':
      case 'moved':
        out.set(c.id, { col: c.col, row: c.row, tint: c.tint });
        break;
      case 'removed':
        out.set(c.id, null);
        break;
      case 'grown':
        for (const p of c.placements) out.set(p.id, { col: p.col, row: p.row, tint: p.tint });
        break;
    }
  }
  return out;
}
