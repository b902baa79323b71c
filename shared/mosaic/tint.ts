import { labToSrgb } from './colour.ts';
import type { Tint } from './types.ts';

/** No shift at all. */
export const NO_TINT: Tint = Object.freeze({ r: 0, g: 0, b: 0 });

/**
 * The tint that moves a tile's mean colour toward its cell's target mean colour
 * by `strength` (0 = untouched, 1 = the cell's mean exactly). Both means are
 * mean CIELAB, read from the first 3 floats of a feature vector at the given offsets.
 * Offsets are whole sRGB steps in -255..255.
 */
export function computeTint(
  tile: Float32Array,
  tileOffset: number,
  cell: Float32Array,
  cellOffset: number,
  strength: number,
): Tint {
  if (strength <= 0) return NO_TINT;
  const [tr, tg, tb] = labToSrgb(tile[tileOffset]!, tile[tileOffset + 1]!, tile[tileOffset + 2]!);
  const [cr, cg, cb] = labToSrgb(cell[cellOffset]!, cell[cellOffset + 1]!, cell[cellOffset + 2]!);
  return tintOf(tr, tg, tb, cr, cg, cb, strength);
}

/**
 * {@link computeTint} from means already converted to sRGB (3 floats each, unrounded
 * 0..255, as labToSrgb gives them), so each colour is converted once, not per placement.
 */
export function tintFromSrgb(
  tile: Float32Array,
  tileOffset: number,
  cell: Float32Array,
  cellOffset: number,
  strength: number,
): Tint {
  if (strength <= 0) return NO_TINT;
  return tintOf(
    tile[tileOffset]!,
    tile[tileOffset + 1]!,
    tile[tileOffset + 2]!,
    cell[cellOffset]!,
    cell[cellOffset + 1]!,
    cell[cellOffset + 2]!,
    strength,
  );
}

function tintOf(tr: number, tg: number, tb: number, cr: number, cg: number, cb: number, s: number): Tint {
  return { r: Math.round(s * (cr - tr)), g: Math.round(s * (cg - tg)), b: Math.round(s * (cb - tb)) };
}
