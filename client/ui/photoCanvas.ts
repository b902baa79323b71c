/** Canvas drawings for the contribute page: the crop preview and the share card. */

/** Fractions of the photo, as the server's crop preview answers them. */
export interface CropFractions {
  left: number;
  top: number;
}

/**
 * The square the server will keep, as `[sx, sy, side]` of the source: where its preview said,
 * or the centred square until it has answered.
 */
export function squareCrop(w: number, h: number, at?: CropFractions | null): [number, number, number] {
  const side = Math.min(w, h);
  if (!at) return [Math.floor((w - side) / 2), Math.floor((h - side) / 2), side];
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max, Math.round(v)));
  return [clamp(at.left * w, w - side), clamp(at.top * h, h - side), side];
}

/** The size of {@link smallCopy}'s copy of a `width` x `height` photo: its longer side at most `max`. */
export function copySize(width: number, height: number, max: number): [number, number] {
  const s = Math.min(1, max / Math.max(width, height));
  return [Math.round(width * s), Math.round(height * s)];
}

/**
 * An upright JPEG copy of a decoded photo, its longer side at most `max` px: for the crop
 * preview request (640 px), and the photo the page sends (UPLOAD_MAX_SIDE). A canvas writes
 * no metadata, so no place, camera or time leaves the phone in it.
 */
export function smallCopy(img: ImageBitmap, max = 640, quality = 0.85): Promise<Blob> {
  const c = new OffscreenCanvas(...copySize(img.width, img.height, max));
  const ctx = c.getContext('2d');
  if (ctx) {
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(img, 0, 0, c.width, c.height);
  }
  return c.convertToBlob({ type: 'image/jpeg', quality });
}

/**
 * The longer side of the copy the contribute page uploads: four times the largest tile
 * (512 px) leaves the server's subject-aware crop room, and a 12 MP phone photo of 3-5 MB
 * goes out as a few hundred KB on bad mobile data.
 */
export const UPLOAD_MAX_SIDE = 1600;

/** Draws the square crop; with `hideFaces`, a coarse pixelation like the server's. */
export function drawPreview(
  canvas: HTMLCanvasElement | OffscreenCanvas,
  img: ImageBitmap,
  hideFaces: boolean,
  at?: CropFractions | null,
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const [sx, sy, side] = squareCrop(img.width, img.height, at);
  ctx.imageSmoothingEnabled = true;
  if (!hideFaces) {
    ctx.drawImage(img, sx, sy, side, side, 0, 0, canvas.width, canvas.height);
    return;
  }
  const blocks = 12;
  const small = new OffscreenCanvas(blocks, blocks);
  small.getContext('2d')?.drawImage(img, sx, sy, side, side, 0, 0, blocks, blocks);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

/**
 * With "hide our faces": the square the preview shows, 12 blocks across, as the photo the
 * page sends (576 px, 48 per block). The faces never leave the device; the server, which
 * pixelates its 512 px square into the same 12 blocks again, changes nothing.
 */
export function hiddenFacesCopy(img: ImageBitmap, at?: CropFractions | null): Promise<Blob> {
  const c = new OffscreenCanvas(576, 576);
  drawPreview(c, img, true, at);
  return c.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
}

const RAINBOW = ['#e40303', '#ff8c00', '#ffed00', '#008026', '#004dff', '#750787'];

/** A square card: the photo, a rainbow band, the share line and the hashtag. */
export function drawShareCard(
  canvas: HTMLCanvasElement,
  photo: ImageBitmap | null,
  line: string,
  hashtag: string,
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const W = canvas.width;
  ctx.fillStyle = '#14101c';
  ctx.fillRect(0, 0, W, W);
  const p = W * 0.1;
  const side = W * 0.62;
  if (photo) ctx.drawImage(photo, (W - side) / 2, p, side, side);
  else {
    ctx.fillStyle = '#2d2440';
    ctx.fillRect((W - side) / 2, p, side, side);
  }
  const bandY = p + side + W * 0.04;
  RAINBOW.forEach((c, i) => {
    ctx.fillStyle = c;
    ctx.fillRect(0, bandY + i * (W * 0.008), W, W * 0.008);
  });
  ctx.fillStyle = '#f6f2fb';
  ctx.textAlign = 'center';
  ctx.font = `600 ${Math.round(W * 0.038)}px system-ui, sans-serif`;
  ctx.fillText(line.replace(hashtag, '').trim(), W / 2, bandY + W * 0.12, W * 0.9);
  ctx.fillStyle = '#ffd23f';
  ctx.font = `800 ${Math.round(W * 0.055)}px system-ui, sans-serif`;
  ctx.fillText(hashtag, W / 2, bandY + W * 0.2, W * 0.9);
}
