/** How a start-up fills the tile book and gathers the engine's input, from rows or from an image. */
import { FEATURE_LEN, type StoredPlacement } from '../../shared/mosaic/types.ts';
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

/** Start-up from the store's start-up image: the same, a column at a time. */
export function fromImage(img: StartupImage, book: TileBook, pending: Map<number, Float32Array>) {
  const c = img.cols;
  book.rememberColumns(c, img.count, img.events);
  const live: StoredPlacement[] = [];
  for (let i = 0; i < img.count; i++) {
    const features = c.features.subarray(i * FEATURE_LEN, (i + 1) * FEATURE_LEN);
    const id = c.ids[i]!;
    if ((c.flags[i]! & 3) === TileFlag.pending) pending.set(id, features.slice());
    else if (c.col[i]! >= 0) live.push({ id, col: c.col[i]!, row: c.row[i]!, features });
  }
  return live;
}

/** What tints are computed from, besides each tile and its cell: the target and the strength. */
export function layoutKeyOf(opts: ServiceOptions): string {
  return `${opts.target.digest}:${opts.tint}`;
}
