import { beforeEach, describe, expect, it } from 'vitest';
import { AtlasVersions, MAX_PATCHES } from '../../client/render/atlasVersions.ts';

/** A 64x32 grid: blocks 0 and 1 side by side (16x16 cells each), then 2 and 3... */
const COLS = 64;
const cellOf = (col: number, row: number) => row * COLS + col;

describe('AtlasVersions', () => {
  let v: AtlasVersions;
  beforeEach(() => {
    v = new AtlasVersions();
    v.relaid(COLS, 10);
  });

  it('wants every block at the layout seq until something changes in it', () => {
    expect(v.plan(0, -1)).toEqual({ version: 10, over: [] });
    expect(v.plan(0, 10)).toEqual({ version: 10, over: [] });
    expect([v.blockOf(15, 15), v.blockOf(16, 0), v.blockOf(0, 16), v.blockOf(63, 31)]).toEqual([0, 1, 4, 7]);
  });

  it('draws a tile that lands on a held block over it, and drops it once the block shows it', () => {
    v.changed(3, 4, 11, true, true);
    expect(v.plan(0, 10)).toEqual({ version: 10, over: [[cellOf(3, 4), 11]] });
    // Another block is not touched.
    expect(v.plan(1, 10)).toEqual({ version: 10, over: [] });
    // Fetched at 11 for another reason (evicted and asked again): it shows the tile itself.
    expect(v.plan(0, 11)).toEqual({ version: 11, over: [] });
  });

  it('asks for a block it does not hold at the change, and draws nothing over it', () => {
    v.changed(3, 4, 11, true, false);
    expect(v.plan(0, -1)).toEqual({ version: 11, over: [] });
    expect(v.plan(0, 10)).toEqual({ version: 11, over: [] });
  });

  it('needs the block for a cell left empty, while what is drawn over the held one stays true', () => {
    v.changed(3, 4, 11, true, true);
    v.changed(5, 5, 12, false, true);
    expect(v.plan(0, 10)).toEqual({ version: 12, over: [[cellOf(3, 4), 11]] });
    // The block at 12 shows both.
    expect(v.plan(0, 12)).toEqual({ version: 12, over: [] });
  });

  it('stops drawing over a cell that was emptied after its tile was drawn', () => {
    v.changed(3, 4, 11, true, true);
    v.changed(3, 4, 12, false, true);
    expect(v.plan(0, 10)).toEqual({ version: 12, over: [] });
  });

  it(`draws at most ${MAX_PATCHES} cells over one block; the next change needs the block`, () => {
    for (let i = 0; i < MAX_PATCHES; i++) v.changed(i % 16, Math.floor(i / 16), 11 + i, true, true);
    const full = v.plan(0, 10);
    expect(full.version).toBe(10);
    expect(full.over).toHaveLength(MAX_PATCHES);
    // A cell already drawn over changes again: still drawn over.
    v.changed(0, 0, 40, true, true);
    expect(v.plan(0, 10).version).toBe(10);
    v.changed(10, 10, 41, true, true);
    expect(v.plan(0, 10).version).toBe(41);
  });

  it('needs the block when a tile drawn over it fails to load', () => {
    v.changed(3, 4, 11, true, true);
    v.changed(6, 4, 12, true, true);
    v.failed(0, cellOf(3, 4), 11);
    expect(v.plan(0, 10)).toEqual({ version: 12, over: [[cellOf(6, 4), 12]] });
  });

  it('forgets what it drew over blocks the board no longer holds', () => {
    v.changed(3, 4, 11, true, true);
    v.changed(20, 4, 12, true, true);
    v.keepHeld((block) => block === 1);
    expect(v.plan(1, 10)).toEqual({ version: 10, over: [[cellOf(20, 4), 12]] });
    // Block 0 was dropped; asked for again, it is wanted at its last change, which it then shows.
    expect(v.plan(0, -1)).toEqual({ version: 11, over: [] });
  });

  it('starts over at a new layout', () => {
    v.changed(3, 4, 11, false, true);
    v.relaid(COLS, 20);
    expect(v.plan(0, -1)).toEqual({ version: 20, over: [] });
  });
});
