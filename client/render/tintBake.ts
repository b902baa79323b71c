import { applyTint } from './lod.ts';
import type { BoardImage } from './types.ts';

/**
 * Draws an untinted tile into a canvas with its additive tint applied, so the
 * near level of detail matches the tinted atlases and colours around it.
 */
export function bakeTint(img: BoardImage, tint: { r: number; g: number; b: number }): OffscreenCanvas {
  const w = img.width;
  const h = img.height;
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('2D canvas unavailable');
  ctx.drawImage(img, 0, 0);
  if (img instanceof ImageBitmap) img.close();
  if (tint.r !== 0 || tint.g !== 0 || tint.b !== 0) {
    const data = ctx.getImageData(0, 0, w, h);
    applyTint(data.data, tint.r, tint.g, tint.b);
    ctx.putImageData(data, 0, 0);
  }
  return canvas;
}
