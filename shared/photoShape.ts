/**
 * The shape a photo must have to become a tile: what the server checks of every upload and
 * import (server/ingest/pipeline.ts), and what the contribute page checks of the copy it would
 * send as soon as a photo is chosen, so that a photo that cannot become a tile is said at once
 * and never sent over a slow connection.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** What the checks allow. */
export interface PhotoLimits {
  maxPixels: number;
  /** The shorter side, in pixels. */
  minSide: number;
  /** The longer side over the shorter. */
  maxAspect: number;
}

export const PHOTO_LIMITS: PhotoLimits = { maxPixels: 50_000_000, minSide: 200, maxAspect: 4 };

/** The refusals a photo meets by its shape alone. */
export type PhotoShapeCode = 'TOO_MANY_PIXELS' | 'IMAGE_TOO_SMALL' | 'BAD_ASPECT_RATIO';

/** Why a `width` x `height` photo cannot become a tile by its shape, or null when it can. */
export function photoShapeProblem(
  width: number,
  height: number,
  limits: PhotoLimits = PHOTO_LIMITS,
): PhotoShapeCode | null {
  if (width * height > limits.maxPixels) return 'TOO_MANY_PIXELS';
  if (Math.min(width, height) < limits.minSide) return 'IMAGE_TOO_SMALL';
  if (Math.max(width, height) / Math.min(width, height) > limits.maxAspect) return 'BAD_ASPECT_RATIO';
  return null;
}
