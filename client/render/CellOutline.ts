import { Container, Sprite, Texture } from 'pixi.js';

/**
 * A ring drawn just outside one cell, a constant few screen px wide at any zoom: a dark
 * halo under a coloured line, so it stands out on light and dark tiles alike.
 */
export class CellOutline {
  readonly container = new Container();
  private cell: [number, number] | null = null;

  constructor(colour: number, halo = 0x14101c) {
    for (const tint of [halo, colour])
      for (let i = 0; i < 4; i++) {
        const s = new Sprite(Texture.WHITE);
        s.tint = tint;
        this.container.addChild(s);
      }
    this.container.visible = false;
  }

  /** Outlines a cell, or hides the ring with null. */
  show(col: number | null, row = 0): void {
    this.cell = col === null ? null : [col, row];
    this.container.visible = col !== null;
  }

  get shown(): [number, number] | null {
    return this.cell;
  }

  /** Lays the ring out for `scale` screen px per cell: a 3 px line on a 5 px halo. */
  layout(scale: number): void {
    if (!this.cell) return;
    const [col, row] = this.cell;
    [5, 3].forEach((px, ring) => {
      const w = px / scale;
      const sides: Array<[number, number, number, number]> = [
        [col - w, row - w, 1 + 2 * w, w],
        [col - w, row + 1, 1 + 2 * w, w],
        [col - w, row, w, 1],
        [col + 1, row, w, 1],
      ];
      sides.forEach(([x, y, sw, sh], i) => {
        const s = this.container.children[ring * 4 + i] as Sprite;
        s.position.set(x, y);
        s.width = sw;
        s.height = sh;
      });
    });
  }
}
