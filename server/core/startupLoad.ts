/** How a start-up fills the tile book and gathers the engine's input, from rows or from an image. */
import { FEATURE_LEN, type StoredPlacement, type StoredPlacementColumns } from '../../shared/mosaic/types.ts';
import type { StartupImage } from '../store/startupImage.ts';
import { TileFlag } from '../store/tileColumns.ts';
import type { LoadedTile } from '../store/types.ts';
import type { TileBook } from './TileBook.ts';
import type { ServiceOptions } from './types.ts';

/** Start-up from the stored rows: each goes into the book; live ones are the engine's input. */
export function fromRows(tiles: Iterable<LoadedTile>, book: TileBook, pending: Map<number, Float32Array>) {
  const live: StoredPlacement[] = [];
  for (const t of tiles) {
    book.remember(t);
    if (t.status === 'pending')
      pending.set(t.id, t.features.slice()); // not a view into the load's arena
    else if (t.col >= 0) live.push({ id: t.id, col: t.col, row: t.row, features: t.features });
  }
  return live;
}

/** Start-up from the store's start-up image: the same, a column at a time, with no object per tile. */
export function fromImage(
  img: StartupImage,
  book: TileBook,
  pending: Map<number, Float32Array>,
): StoredPlacementColumns {
  const c = img.cols;
  book.rememberColumns(c, img.count, img.events);
  const take = new Int32Array(img.count);
  let n = 0;
  for (let i = 0; i < img.count; i++) {
    const pend = (c.flags[i]! & 3) === TileFlag.pending;
    if (pend) pending.set(c.ids[i]!, c.features.slice(i * FEATURE_LEN, (i + 1) * FEATURE_LEN));
    else if (c.flags[i] !== 0 && c.col[i]! >= 0) take[n++] = i;
  }
  return { take: take.subarray(0, n), ids: c.ids, col: c.col, row: c.row, features: c.features };
}

/** What tints are computed from, besides each tile and its cell: the target and the strength. */
export function layoutKeyOf(opts: ServiceOptions): string {
  return `${opts.target.digest}:${opts.tint}`;
}
