import { Container, Sprite, Texture } from 'pixi.js';

interface Arrival {
  sprite: Sprite;
  ring: Sprite;
  col: number;
  row: number;
  t0: number;
  colour: number;
  done: () => void;
}

const DURATION_MS = 700;
/** At most this many arrivals animate at once; more land without animation. */
export const MAX_ARRIVALS = 48;

function easeOutCubic(t: number): number {
  return 1 - (1 - t) ** 3;
}

/**
 * A new tile drops into its cell: a square of its colour shrinking from a few
 * times its size (never smaller than a visible dot) with a fading ring.
 * Sprites are pooled, so hours of arrivals allocate nothing new on the GPU.
 */
export class Arrivals {
  readonly container = new Container();
  private active: Arrival[] = [];
  private pool: Array<{ sprite: Sprite; ring: Sprite }> = [];

  get count(): number {
    return this.active.length;
  }

  /** Starts an arrival; returns false (and calls nothing) when the pool is busy. */
  start(col: number, row: number, colour: number, now: number, done: () => void): boolean {
    if (this.active.length >= MAX_ARRIVALS) return false;
    const p = this.pool.pop() ?? this.make();
    p.sprite.tint = colour;
    p.ring.tint = 0xffffff;
    p.sprite.visible = true;
    p.ring.visible = true;
    this.active.push({ sprite: p.sprite, ring: p.ring, col, row, t0: now, colour, done });
    return true;
  }

  private make(): { sprite: Sprite; ring: Sprite } {
    const ring = new Sprite(Texture.WHITE);
    const sprite = new Sprite(Texture.WHITE);
    ring.anchor.set(0.5);
    sprite.anchor.set(0.5);
    this.container.addChild(ring, sprite);
    return { sprite, ring };
  }

  /** Advances every arrival; `cellPx` is the current zoom in screen px per cell. Returns true while any runs. */
  update(now: number, cellPx: number): boolean {
    const minCells = 18 / Math.max(cellPx, 1e-6);
    for (let i = this.active.length - 1; i >= 0; i--) {
      const a = this.active[i]!;
      const t = Math.min(1, (now - a.t0) / DURATION_MS);
      const e = easeOutCubic(t);
      const start = Math.max(4, minCells);
      const size = start + (1 - start) * e;
      a.sprite.position.set(a.col + 0.5, a.row + 0.5);
      a.sprite.width = size;
      a.sprite.height = size;
      a.sprite.alpha = Math.min(1, t * 3);
      const ringSize = size + Math.max(0.3, 3 / Math.max(cellPx, 1e-6)) * (1 + 2 * e);
      a.ring.position.set(a.col + 0.5, a.row + 0.5);
      a.ring.width = ringSize;
      a.ring.height = ringSize;
      a.ring.alpha = 0.7 * (1 - e);
      if (t >= 1) {
        a.sprite.visible = false;
        a.ring.visible = false;
        this.active.splice(i, 1);
        this.pool.push({ sprite: a.sprite, ring: a.ring });
        a.done();
      }
    }
    return this.active.length > 0;
  }

  /** Finishes every running arrival at once. */
  finishAll(): void {
    for (const a of this.active) {
      a.sprite.visible = false;
      a.ring.visible = false;
      this.pool.push({ sprite: a.sprite, ring: a.ring });
      a.done();
    }
    this.active = [];
  }
}
