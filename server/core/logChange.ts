import type {
  Change,
  GrownChange,
  MovedChange,
  PlacedChange,
  RemovedChange,
} from '../../shared/mosaic/types.ts';

/**
 * A placed change as the log carries it: everything a node needs to draw the tile and count
 * it for its rally, so that no node ever asks the placer about a tile.
 */
export interface LogPlaced extends PlacedChange {
  /** The untinted tile's mean sRGB. */
  rgb: [number, number, number];
  event: string | null;
  /** ms since epoch */
  createdAt: number;
}

/**
 * One entry of the mosaic's change log, numbered by `seq`. A moved tile or a tile in a
 * growth was placed earlier in the log, so its colour and rally are already known to
 * whoever applied the log in order.
 */
export type LogChange = LogPlaced | MovedChange | RemovedChange | GrownChange;

/** The log type byte, as stored in the `changes` table and the stream. */
export const LogType = { placed: 0, moved: 1, removed: 2, grown: 3 } as const;

/** Turns engine changes into log entries, with the placed tiles' colour, rally and time. */
export function toLogChanges(
  changes: readonly Change[],
  info: (id: number) => { rgb: [number, number, number]; event: string | null; createdAt: number },
): LogChange[] {
  return changes.map((c) => (c.type === 'placed' ? { ...c, ...info(c.id) } : c));
}
