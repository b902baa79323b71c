import type { RallyLanguage } from '../../shared/rallies.ts';
import type { MosaicPort } from '../core/port.ts';

/** A timelapse as the routes accept it, with its size and rate settled. */
export interface TimelapseParams {
  width: number;
  height: number;
  seconds: number;
  fps: number;
  /** ms since epoch: tiles that arrived before it are there from the first frame. */
  from?: number;
  /** ms since epoch: tiles that arrived after it are left out. */
  to?: number;
  event?: string;
  /** The counter word's language. */
  lang: RallyLanguage;
}

/** The tiles of one video, in the order they arrived. */
export interface TimelapseTiles {
  /** Six numbers a tile: id, col, row, tint r, g, b. */
  tiles: Int32Array;
  /** The same tiles' ids, ascending. */
  ids: Uint32Array;
  /** How many of the first tiles arrived before `from`. */
  already: number;
}

/**
 * Picks a video's tiles: the live ones (never pending or deleted), of the rally asked, up to
 * `to`, ordered by id, which is the order they arrived in. Each is drawn at its cell as it
 * stands now: the embedded store keeps no log of moves and growths to replay.
 */
export function selectTimelapseTiles(s: MosaicPort, p: TimelapseParams): TimelapseTiles {
  const picked = [];
  for (const t of s.all()) {
    if (t.status !== 'live') continue;
    if (p.event !== undefined && t.event !== p.event) continue;
    if (p.to !== undefined && t.createdAt > p.to) continue;
    picked.push(t);
  }
  picked.sort((a, b) => a.id - b.id);
  const tiles = new Int32Array(picked.length * 6);
  const ids = new Uint32Array(picked.length);
  let already = 0;
  picked.forEach((t, i) => {
    tiles.set([t.id, t.col, t.row, t.tint.r, t.tint.g, t.tint.b], i * 6);
    ids[i] = t.id;
    if (p.from !== undefined && t.createdAt < p.from) already = i + 1;
  });
  return { tiles, ids, already };
}
