import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import {
  iiifScaleFactors,
  iiifTileName,
  levelSize,
  levelTiles,
  pyramidOf,
  tileRect,
} from '../../shared/mosaic/pyramid.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { unzip } from '../support/zip.ts';

const ADMIN_TOKEN = 'deep-zoom-admin-token-0123';
const COLS = 5;
const ROWS = 3;
const P = pyramidOf(COLS, ROWS); // 2560 x 1536 px, levels 0..12
/** Tile paths the pyramid does not hold: past the levels, columns or rows, or not a tile's name. */
const MISSING = [
  '13/0_0.png',
  '12/10_0.png',
  '12/0_6.png',
  '0/1_0.png',
  '12/0_0.gif',
  '12/a_0.png',
  'x/0_0.png',
  '-1/0_0.png',
  '12/00_0.png',
];

/** Raw RGB of a PNG answer. */
async function rgb(res: Response): Promise<{ data: Buffer; width: number; height: number }> {
  expect(res.status, res.url).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('the mosaic as a deep-zoom pyramid', () => {
  let s: TestServer;
  let url: string;
  const tokens = new Map<number, string>();

  /** A whole level stitched from its tiles, raw RGB. */
  async function stitch(level: number, query = ''): Promise<Buffer> {
    const size = levelSize(P, level);
    const out = Buffer.alloc(size.width * size.height * 3);
    const n = levelTiles(P, level);
    for (let row = 0; row < n.rows; row++)
      for (let col = 0; col < n.cols; col++) {
        const t = await rgb(await fetch(`${url}/api/mosaic/export_files/${level}/${col}_${row}.png${query}`));
        const r = tileRect(P, level, col, row)!;
        expect([t.width, t.height]).toEqual([r.width, r.height]);
        for (let y = 0; y < r.height; y++)
          t.data.copy(out, ((r.y + y) * size.width + r.x) * 3, y * r.width * 3, (y + 1) * r.width * 3);
      }
    return out;
  }

  beforeAll(async () => {
    s = await startServer({ ADMIN_TOKEN, MOSAIC_COLS: String(COLS), MOSAIC_ROWS: String(ROWS) });
    url = s.url;
    for (let i = 0; i < 10; i++) {
      const added = await s.app.service.add(await ingestPhoto(await syntheticJpeg(400, 300, i * 11 + 3)), {
        event: null,
        phash: null,
      });
      tokens.set(added.id, added.deleteToken);
    }
  });
  afterAll(() => s.destroy());

  it('describes the pyramid: 256 px PNG tiles, no overlap, the full mosaic at 512 px per tile', async () => {
    const res = await fetch(`${url}/api/mosaic/export.dzi`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('x-cell-px')).toBe('512');
    expect(res.headers.get('x-mosaic-seq')).toBe(String(s.app.mosaic.seq));
    const xml = await res.text();
    expect(xml).toContain('xmlns="http://schemas.microsoft.com/deepzoom/2008"');
    expect(xml).toMatch(/Format="png" Overlap="0" TileSize="256"/);
    expect(xml).toContain('<Size Width="2560" Height="1536"/>');
  });

  it("stitches its deepest level into export.png's exact pixels at that width, and level 0 is 1x1", async () => {
    const png = await rgb(await fetch(`${url}/api/mosaic/export.png?width=2560`));
    expect((await stitch(12)).equals(png.data)).toBe(true);
    // 256 and 1 px per tile are export.png at those widths too.
    expect(
      (await stitch(11)).equals((await rgb(await fetch(`${url}/api/mosaic/export.png?width=1280`))).data),
    ).toBe(true);
    expect(
      (await stitch(3)).equals((await rgb(await fetch(`${url}/api/mosaic/export.png?width=5`))).data),
    ).toBe(true);
    const top = await rgb(await fetch(`${url}/api/mosaic/export_files/0/0_0.png`));
    expect([top.width, top.height]).toEqual([1, 1]);
  });

  it('refuses what the pyramid does not hold with 404, and a malformed version with 400', async () => {
    for (const path of MISSING) {
      const r = await fetch(`${url}/api/mosaic/export_files/${path}`);
      expect(r.status, path).toBe(404);
      expect((await r.json()).error.code, path).toBe('NOT_FOUND');
    }
    for (const q of ['?v=abc', '?v=-1', '?v=1.5', '?v=1&v=2']) {
      const r = await fetch(`${url}/api/mosaic/export_files/12/0_0.png${q}`);
      expect(r.status, q).toBe(400);
      expect((await r.json()).error.code).toBe('BAD_REQUEST');
    }
    expect((await fetch(`${url}/api/mosaic/export.dzi?v=${s.app.mosaic.seq + 5}`)).status).toBe(404);
  });

  it('serves the same tiles as a level-0 IIIF Image API 3.0 service', async () => {
    const res = await fetch(`${url}/iiif/mosaic/info.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const info = await res.json();
    expect(info).toEqual({
      '@context': 'http://iiif.io/api/image/3/context.json',
      id: `${url}/iiif/mosaic`,
      type: 'ImageService3',
      protocol: 'http://iiif.io/api/image',
      profile: 'level0',
      width: 2560,
      height: 1536,
      tiles: [{ width: 256, scaleFactors: [1, 2, 4, 8, 16] }],
      preferredFormats: ['png', 'jpg'],
      extraFormats: ['png'],
    });
    const base = await fetch(`${url}/iiif/mosaic`, { redirect: 'manual' });
    expect(base.status).toBe(303);
    for (const [level, col, row] of [
      [12, 9, 5],
      [11, 4, 2],
      [9, 1, 0],
      [8, 0, 0],
    ] as const) {
      const { region, size } = iiifTileName(P, level, col, row);
      const iiif = await fetch(`${url}/iiif/mosaic/${region}/${size}/0/default.png`);
      const dzi = await fetch(`${url}/api/mosaic/export_files/${level}/${col}_${row}.png`);
      expect(Buffer.from(await iiif.arrayBuffer()).equals(Buffer.from(await dzi.arrayBuffer())), region).toBe(
        true,
      );
    }
    const jpg = await fetch(`${url}/iiif/mosaic/full/160,96/0/default.jpg`);
    expect([jpg.status, jpg.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect(iiifScaleFactors(P)).toEqual(info.tiles[0].scaleFactors);
    for (const [path, status] of [
      ['0,0,256,256/256,256/90/default.png', 400],
      ['0,0,256,256/256,256/0/gray.png', 400],
      ['0,0,256,256/256,256/0/default.gif', 400],
      ['0,0,256,256/128,128/0/default.png', 404],
      ['1,0,256,256/256,256/0/default.png', 404],
      ['full/max/0/default.png', 404],
      ['pct:0,0,50,50/256,256/0/default.png', 404],
    ] as const) {
      const r = await fetch(`${url}/iiif/mosaic/${path}`);
      expect(r.status, path).toBe(status);
      expect((await r.json()).error.code).toBe(status === 400 ? 'BAD_REQUEST' : 'NOT_FOUND');
    }
  });

  it('keeps a version while its cells hold; after a delete the old version is gone and the tile is in no level', async () => {
    const v = s.app.mosaic.seq;
    const victim = s.app.mosaic.placements()[0]!;
    const cellTile = `12/${victim.col * 2}_${victim.row * 2}.png`;
    const other = s.app.mosaic.placements().find((t) => t.col !== victim.col || t.row !== victim.row)!;
    const otherTile = `12/${other.col * 2}_${other.row * 2}.png`;
    const before = await fetch(`${url}/api/mosaic/export_files/${cellTile}?v=${v}`);
    expect(before.status).toBe(200);
    expect(before.headers.get('cache-control')).toBe('public, max-age=86400, immutable');

    const del = await fetch(`${url}/api/tiles/${victim.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.get(victim.id)}` },
    });
    expect(del.status).toBe(204);
    const stale = await fetch(`${url}/api/mosaic/export_files/${cellTile}?v=${v}`);
    expect(stale.status).toBe(404);
    expect((await stale.json()).error.code).toBe('STALE_VERSION');
    for (const level of [0, 3, 8, 10]) {
      const px = 512 / 2 ** (12 - level);
      const at = `${Math.floor((victim.col * px) / 256)}_${Math.floor((victim.row * px) / 256)}`;
      const r = await fetch(`${url}/api/mosaic/export_files/${level}/${at}.png?v=${v}`);
      expect(r.status, `level ${level}`).toBe(404);
    }
    // A tile whose cells did not change keeps its version.
    expect((await fetch(`${url}/api/mosaic/export_files/${otherTile}?v=${v}`)).status).toBe(200);
    expect((await fetch(`${url}/api/mosaic/export.dzi?v=${v}`)).status).toBe(200);

    const now = s.app.mosaic.seq;
    expect(now).toBeGreaterThan(v);
    const png = await rgb(await fetch(`${url}/api/mosaic/export.png?width=2560`));
    expect((await stitch(12, `?v=${now}`)).equals(png.data)).toBe(true);
    const after = await rgb(await fetch(`${url}/api/mosaic/export_files/${cellTile}?v=${now}`));
    expect(after.data.equals((await rgb(before)).data)).toBe(false);
  });

  it('zips the static pyramid with an OpenSeadragon page, for admins only', async () => {
    expect((await fetch(`${url}/api/mosaic/export.zip`)).status).toBe(401);
    const res = await fetch(`${url}/api/mosaic/export.zip`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const files = await unzip(Buffer.from(await res.arrayBuffer()));
    const names = [...files.keys()];
    const expected = [
      'index.html',
      'mosaic.dzi',
      'openseadragon/openseadragon.min.js',
      'openseadragon/images/zoomin_rest.png',
    ];
    for (let level = 0; level <= P.maxLevel; level++) {
      const n = levelTiles(P, level);
      for (let row = 0; row < n.rows; row++)
        for (let col = 0; col < n.cols; col++) expected.push(`mosaic_files/${level}/${col}_${row}.png`);
    }
    expect(names).toEqual(expect.arrayContaining(expected));
    expect(names.filter((n) => n.startsWith('mosaic_files/'))).toHaveLength(expected.length - 4);
    expect(files.get('mosaic.dzi')!.toString()).toBe(
      await (await fetch(`${url}/api/mosaic/export.dzi`)).text(),
    );
    expect(files.get('index.html')!.toString()).toContain("tileSources: 'mosaic.dzi'");
    const live = Buffer.from(await (await fetch(`${url}/api/mosaic/export_files/12/3_1.png`)).arrayBuffer());
    expect(files.get('mosaic_files/12/3_1.png')!.equals(live)).toBe(true);
  });
});

describe('a pyramid under pre-moderation', () => {
  it('draws no tile that waits for review', async () => {
    const s = await startServer({ MODERATION: 'pre', MOSAIC_COLS: '2', MOSAIC_ROWS: '2' });
    try {
      const level = pyramidOf(2, 2).maxLevel;
      const tiles = async () =>
        Promise.all(
          ['0_0', '3_3', '1_2'].map(async (t) =>
            Buffer.from(
              await (await fetch(`${s.url}/api/mosaic/export_files/${level}/${t}.png`)).arrayBuffer(),
            ),
          ),
        );
      const empty = await tiles();
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const added = await s.app.service.add(await ingestPhoto(await syntheticJpeg(400, 300, 70 + i)), {
          event: null,
          phash: null,
        });
        expect(added.status).toBe('pending');
        ids.push(added.id);
      }
      expect((await tiles()).map((b, i) => b.equals(empty[i]!))).toEqual([true, true, true]);
      // Approved, they are drawn: the check above can tell.
      await s.app.service.approve(ids);
      expect((await tiles()).map((b, i) => b.equals(empty[i]!))).toEqual([false, false, false]);
    } finally {
      await s.destroy();
    }
  });
});
