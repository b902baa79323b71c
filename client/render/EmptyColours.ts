/**
 * The colour an empty cell shows (the dimmed target over the background), for drawing an
 * empty cell over the colour pyramid, where transparency would let the pyramid's older
 * picture of the cell show through.
 */
export class EmptyColours {
  private px: Uint8ClampedArray | null = null;
  private w = 0;
  private h = 0;
  private alpha = 0;
  private bg = 0;

  /** Samples the target picture (drawn at `alpha` over `background`, 0xRRGGBB). */
  setTarget(img: ImageBitmap | HTMLImageElement, alpha: number, background: number): void {
    this.alpha = alpha;
    this.bg = background;
    const w = Math.max(1, Math.min(256, img.width));
    const h = Math.max(1, Math.round((img.height / img.width) * w));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.drawImage(img, 0, 0, w, h);
    this.px = ctx.getImageData(0, 0, w, h).data;
    this.w = w;
    this.h = h;
  }

  /** An empty cell's colour, 0xRRGGBB (the background until the target has loaded). */
  at(col: number, row: number, cols: number, rows: number): number {
    const bg = this.bg || 0x14101c;
    if (!this.px) return bg;
    const x = Math.min(this.w - 1, Math.floor(((col + 0.5) / cols) * this.w));
    const y = Math.min(this.h - 1, Math.floor(((row + 0.5) / rows) * this.h));
    const o = (y * this.w + x) * 4;
    const mix = (t: number, b: number) => Math.round(t * this.alpha + b * (1 - this.alpha));
    return (
      (mix(this.px[o]!, bg >> 16) << 16) |
      (mix(this.px[o + 1]!, (bg >> 8) & 255) << 8) |
      mix(this.px[o + 2]!, bg & 255)
    );
  }
}
