import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { AtlasCanvas, renderAtlas } from '../../server/ingest/AtlasCanvas.ts';
import type { ComposeTile } from '../../server/ingest/compose.ts';
import { type IngestedPhoto, ingestPhoto, tileWebp } from '../../server/ingest/pipeline.ts';
import { MemoryStore } from '../../server/store/MemoryStore.ts';
import { ATLAS_CELLS, ATLAS_TILE_PX } from '../../shared/httpApi.ts';
import { syntheticJpeg } from '../support/images.ts';

/** The block (0, 0) as a from-nothing render would draw it now (with raw pixels, or decoding every tile). */
function freshRender(app: App, raw = true): Promise<Buffer> {
  return renderAtlas({
    cells: ATLAS_CELLS,
    tilePx: ATLAS_TILE_PX,
    col0: 0,
    row0: 0,
    tiles: app.service.liveIn(0, 0, ATLAS_CELLS, ATLAS_CELLS),
    read: (id, size) => app.service.readFile(id, size),
    readRgb32: raw ? (id) => app.service.readRgb32(id) : undefined,
  });
}

const cellKey = (t: ComposeTile) => `${t.id}@${t.col},${t.row}:${t.tint.r},${t.tint.g},${t.tint.b}`;

async function alphaAt(webp: Buffer, col: number, row: number): Promise<number> {
  const { data } = await sharp(webp)
    .extract({
      left: col * ATLAS_TILE_PX,
      top: row * ATLAS_TILE_PX,
      width: ATLAS_TILE_PX,
      height: ATLAS_TILE_PX,
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let max = 0;
  for (let i = 3; i < data.length; i += 4) max = Math.max(max, data[i]!);
  return max;
}

describe('atlas blocks after a change', () => {
  let app: App;
  let url: string;
  let photos: IngestedPhoto[];
  beforeAll(async () => {
    // One block holds the whole mosaic, which stays short of full (a growth redraws everything).
    const config = readConfig({
      MOSAIC_COLS: '16',
      MOSAIC_ROWS: '16',
      DATA_DIR: '/nonexistent-memory-store',
    });
    app = await createApp({ config, store: new MemoryStore() });
    url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
    photos = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ingestPhoto(await syntheticJpeg(320, 240, i * 11 + 3))),
    );
    for (let i = 0; i < 100; i++)
      await app.service.add(photos[i % photos.length]!, { event: null, phash: null });
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await app.close();
  });

  const atlas = async (v: number) => {
    const res = await fetch(`${url}/api/atlas/0/0.webp?v=${v}`);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('draws only the cells that changed, from the stored raw pixels, as a full render does', async () => {
    const decodes = vi.spyOn(app.service, 'readFile');
    const raws = vi.spyOn(app.service, 'readRgb32');
    const first = await atlas(1);
    expect(raws).toHaveBeenCalledTimes(100);
    expect(decodes).not.toHaveBeenCalled();
    expect(first.equals(await freshRender(app))).toBe(true);

    raws.mockClear();
    const drawn = new Set(app.service.liveIn(0, 0, ATLAS_CELLS, ATLAS_CELLS).map(cellKey));
    const added = await app.service.add(photos[3]!, { event: null, phash: null });
    // The landing, and any tile the engine moved or re-tinted to make room for it.
    const changed = app.service
      .liveIn(0, 0, ATLAS_CELLS, ATLAS_CELLS)
      .filter((t) => !drawn.has(cellKey(t)))
      .map((t) => t.id);
    expect(changed).toContain(added.id);
    expect(changed.length).toBeLessThan(10);
    const after = await atlas(2);
    expect(raws.mock.calls.map((c) => c[0]).sort()).toEqual(changed.sort());
    expect(decodes).not.toHaveBeenCalled();
    expect(after.equals(await freshRender(app))).toBe(true);
    expect(after.equals(first)).toBe(false);
  });

  it('empties a removed tile’s cell without decoding anything, as a full render does', async () => {
    const victim = app.service.placements().find((p) => p.col < ATLAS_CELLS && p.row < ATLAS_CELLS)!;
    const before = await atlas(3);
    expect(await alphaAt(before, victim.col, victim.row)).toBe(255);
    const decodes = vi.spyOn(app.service, 'readFile');
    const raws = vi.spyOn(app.service, 'readRgb32');
    decodes.mockClear();
    raws.mockClear();
    await app.service.remove(victim.id);
    const after = await atlas(4);
    expect(decodes).not.toHaveBeenCalled();
    expect(raws).not.toHaveBeenCalled();
    expect(await alphaAt(after, victim.col, victim.row)).toBe(0);
    expect(after.equals(await freshRender(app))).toBe(true);
  });

  it('decodes tiles stored without raw pixels (stored before they were kept), to the same picture', async () => {
    const decodes = vi.spyOn(app.service, 'readFile');
    decodes.mockClear();
    const older: number[] = [];
    for (let i = 0; i < 20; i++) {
      // As tiles were stored then: a 32 px WebP, no raw pixels.
      const p = photos[i % photos.length]!;
      const files = new Map([...p.files, [32 as const, await tileWebp(p.rgb32!, 32)]]);
      older.push((await app.service.add({ ...p, files, rgb32: undefined }, { event: null, phash: null })).id);
    }
    const served = await atlas(5);
    expect(decodes.mock.calls.length).toBeGreaterThanOrEqual(20);
    expect(served.equals(await freshRender(app))).toBe(true);
    // Each of them drawn.
    for (const t of app.service.placements().filter((t) => older.includes(t.id)))
      expect(await alphaAt(served, t.col, t.row)).toBe(255);
    // Every tile decoded from its 32 px WebP: the same picture within the WebP's loss.
    const [raw, decoded] = (await Promise.all(
      [freshRender(app), freshRender(app, false)].map(async (w) =>
        sharp(await w)
          .raw()
          .toBuffer(),
      ),
    )) as [Buffer, Buffer];
    let diff = 0;
    for (let i = 0; i < raw.length; i++) diff += Math.abs(raw[i]! - decoded[i]!);
    expect(diff / raw.length).toBeLessThan(4);
  });
});

describe('AtlasCanvas', () => {
  it('does not draw a tile whose cell was forgotten while it was being decoded', async () => {
    const webp = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c04080' } })
      .webp()
      .toBuffer();
    const canvas = new AtlasCanvas(2, 32);
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const read = async () => {
      await gate;
      return webp;
    };
    const tint = { r: 0, g: 0, b: 0 };
    const tiles = [
      { id: 1, col: 0, row: 0, tint },
      { id: 2, col: 1, row: 1, tint },
    ];
    const updating = canvas.update(tiles, 0, 0, read);
    canvas.forget(1, 1);
    release();
    expect(await updating).toBe(2);
    const alpha = (x: number, y: number) => canvas.pixels[(y * canvas.side + x) * 4 + 3];
    expect(alpha(5, 5)).toBe(255);
    expect(alpha(40, 40)).toBe(0);
    // The next update draws it again, and only it.
    expect(await canvas.update(tiles, 0, 0, async () => webp)).toBe(1);
    expect(alpha(40, 40)).toBe(255);
    // A tint change redraws the cell; a tile gone empties it.
    const moved = [{ id: 1, col: 0, row: 0, tint: { r: 9, g: 0, b: 0 } }];
    expect(await canvas.update(moved, 0, 0, async () => webp)).toBe(1);
    expect(alpha(40, 40)).toBe(0);
  });

  it('adds tints as sharp’s linear would, clamped, whether tiles are decoded one by one or joined', async () => {
    const solid = (c: string, side = 32) =>
      sharp({ create: { width: side, height: side, channels: 3, background: c } })
        .webp({ lossless: true })
        .toBuffer();
    const files = new Map<number, Buffer>();
    for (let id = 1; id <= 20; id++)
      files.set(id, await solid(`#${(id * 12).toString(16).padStart(2, '0')}8040`));
    // One file of another size: the joined decode cannot place it, and the cells are decoded one by one.
    files.set(21, await solid('#204060', 48));
    const tint = { r: 40, g: -100, b: 230 };
    const tiles = [...files.keys()].map((id) => ({
      id,
      col: (id - 1) % 5,
      row: Math.floor((id - 1) / 5),
      tint,
    }));
    const read = async (id: number) => files.get(id) ?? null;
    const expected = async (id: number) =>
      sharp(files.get(id)!).resize(32, 32).linear([1, 1, 1], [tint.r, tint.g, tint.b]).raw().toBuffer();
    const at = (c: AtlasCanvas, col: number, row: number) => {
      const o = (row * 32 * c.side + col * 32 + c.side + 1) * 4;
      return [...c.pixels.subarray(o, o + 4)];
    };
    const joined = new AtlasCanvas(5, 32);
    expect(await joined.update(tiles.slice(0, 20), 0, 0, read)).toBe(20);
    const single = new AtlasCanvas(5, 32);
    expect(await single.update(tiles.slice(0, 3), 0, 0, read)).toBe(3);
    for (const id of [1, 2, 3]) {
      const t = tiles[id - 1]!;
      const px = await expected(id);
      expect(at(joined, t.col, t.row)).toEqual([px[99]!, px[100]!, px[101]!, 255]);
      expect(at(single, t.col, t.row)).toEqual(at(joined, t.col, t.row));
    }
    const mixed = new AtlasCanvas(5, 32);
    expect(await mixed.update(tiles, 0, 0, read)).toBe(21);
    expect(
      mixed.pixels.subarray(0, 4 * 5 * 32 * 32 * 4).equals(joined.pixels.subarray(0, 4 * 5 * 32 * 32 * 4)),
    ).toBe(true);
    const px21 = await expected(21);
    expect(at(mixed, 0, 4)).toEqual([px21[99]!, px21[100]!, px21[101]!, 255]);
  });
});
