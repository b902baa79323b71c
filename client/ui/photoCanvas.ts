/** Canvas drawings for the contribute page: the crop preview and the share card. */

/** The centred square the server will keep, as `[sx, sy, side]` of the source. */
export function squareCrop(w: number, h: number): [number, number, number] {
  const side = Math.min(w, h);
  return [Math.floor((w - side) / 2), Math.floor((h - side) / 2), side];
}

/** Draws the square crop; with `hideFaces`, a coarse pixelation like the server's. */
export function drawPreview(canvas: HTMLCanvasElement, img: ImageBitmap, hideFaces: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const [sx, sy, side] = squareCrop(img.width, img.height);
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
