/**
 * Brings a start-up image up to the stored state: the rows changed since it was written
 * (every row write records the store's commit count in its `v` column) replace or join its
 * entries, and the ids deleted since (the `gone` table) leave it. A start after a crash then
 * reads the image plus what changed, not every row.
 */
import { FEATURE_LEN } from '../../shared/mosaic/types.ts';
import { packRgb } from '../../shared/protocolChanges.ts';
import { type ImageColumns, newColumns, type StartupImage } from './startupImage.ts';
import { setPhashWords, TileFlag } from './tileColumns.ts';
import type { LoadedTile } from './types.ts';

/**
 * The image with `changed` (rows written since, in id order) and without `gone`; `image`
 * itself is left as it was. The result's stamp is the caller's to set.
 */
export function replay(
  image: StartupImage,
  changed: readonly LoadedTile[],
  gone: ReadonlySet<number>,
): StartupImage {
  const c = image.cols;
  const changedIds = new Set(changed.map((t) => t.id));
  // An entry is left out when its tile is gone or changed since, or was scrubbed (flags 0).
  const left = (i: number) => c.flags[i] === 0 || gone.has(c.ids[i]!) || changedIds.has(c.ids[i]!);
  let keep = 0;
  for (let i = 0; i < image.count; i++) if (!left(i)) keep++;
  const count = keep + changed.length;
  const out = newColumns(count);
  const events = [...image.events];
  const eventIx = new Map(events.map((e, i) => [e, i]));
  const eventOf = (e: string) => {
    let i = eventIx.get(e);
    if (i === undefined) {
      i = events.push(e) - 1;
      eventIx.set(e, i);
    }
    return i;
  };
  // Both lists are in id order: merge them, copying the image's untouched runs whole.
  let n = 0;
  let j = 0;
  let runFrom = -1;
  let runTo = 0;
  const flush = (end: number) => {
    if (runFrom >= 0) copyRange(c, runFrom, end, out, runTo);
    runFrom = -1;
  };
  for (let i = 0; i < image.count; i++) {
    const id = c.ids[i]!;
    if (j < changed.length && changed[j]!.id < id) {
      flush(i);
      while (j < changed.length && changed[j]!.id < id) setRow(out, n++, changed[j++]!, eventOf);
    }
    if (left(i)) {
      flush(i);
      continue;
    }
    if (runFrom < 0) {
      runFrom = i;
      runTo = n;
    }
    n++;
  }
  flush(image.count);
  while (j < changed.length) setRow(out, n++, changed[j++]!, eventOf);
  return { ...image, count, events, cols: out };
}

/** Entries `from`..`end` - 1 of `src` become entries `at`... of `to`. */
function copyRange(src: ImageColumns, from: number, end: number, to: ImageColumns, at: number): void {
  for (const name of Object.keys(src) as (keyof ImageColumns)[]) {
    const a = src[name];
    const per = a.length / Math.max(1, src.ids.length);
    to[name].set(a.subarray(from * per, end * per), at * per);
  }
}

/** Entry `k` of `to` from a stored row. */
function setRow(to: ImageColumns, k: number, t: LoadedTile, eventOf: (e: string) => number): void {
  to.ids[k] = t.id;
  let f: number = t.status === 'pending' ? TileFlag.pending : TileFlag.live;
  if (t.phash) {
    f |= TileFlag.hasPhash;
    setPhashWords(to.phash, k, t.phash);
  }
  to.flags[k] = f;
  to.col[k] = t.col;
  to.row[k] = t.row;
  to.tint[3 * k] = t.tint.r;
  to.tint[3 * k + 1] = t.tint.g;
  to.tint[3 * k + 2] = t.tint.b;
  to.event[k] = t.event ? eventOf(t.event) + 1 : 0;
  to.created[k] = t.createdAt;
  to.rgb[k] = packRgb(t.rgb[0], t.rgb[1], t.rgb[2]);
  to.features.set(t.features.subarray(0, FEATURE_LEN), k * FEATURE_LEN);
}
