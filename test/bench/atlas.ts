/**
 * Atlas blocks during a kiss-in: viewers arriving at middle zoom ask for blocks, then tiles
 * land while they look, and each landing makes them ask for that block again (at its new
 * version). The server's CPU and the wall time per block: first renders (each tile's raw 32 px
 * pixels read from its file; tiles stored without them decoded in one joined sharp pipeline)
 * and renders after a landing (the block's pixels kept, only the changed cells drawn), each
 * beside the renderer before, measured on the same blocks in the
 * same run: a sharp pipeline per tile (decode, tint, alpha), 32 at a time, for every tile of
 * the block at every request. A real server on port 0 with the embedded store (SQLite and tile
 * files) and real photos. Then export.png of the same mosaic at 32 and 8 px per cell, drawn from
 * the raw pixels (area-averaged at 8), beside the same picture with every tile decoded.
 */
import { loadavg } from 'node:os';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { renderAtlas } from '../../server/ingest/AtlasCanvas.ts';
import {
  blit,
  type ComposeTile,
  type ReadTile,
  renderExport,
  tintedPixels,
} from '../../server/ingest/compose.ts';
import { ingestPhoto, tileWebp } from '../../server/ingest/pipeline.ts';
import { sharp } from '../../server/ingest/sharp.ts';
import { Target } from '../../server/ingest/target.ts';
import { ATLAS_CELLS, ATLAS_TILE_PX } from '../../shared/httpApi.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const SIDE = 48;
const PREFILL = Number(process.env.BENCH_ATLAS_PREFILL ?? 1600);
const LANDINGS = Number(process.env.BENCH_ATLAS_LANDINGS ?? 40);

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** The renderer before: every tile of the block decoded and tinted by its own sharp pipeline. */
async function perTileRender(
  tiles: ComposeTile[],
  col0: number,
  row0: number,
  read: ReadTile,
): Promise<Buffer> {
  const side = ATLAS_CELLS * ATLAS_TILE_PX;
  const out = Buffer.alloc(side * side * 4);
  for (let i = 0; i < tiles.length; i += 32) {
    await Promise.all(
      tiles.slice(i, i + 32).map(async (t) => {
        const px = await tintedPixels(read, t, ATLAS_TILE_PX, 4);
        const x = (t.col - col0) * ATLAS_TILE_PX;
        const y = (t.row - row0) * ATLAS_TILE_PX;
        if (px) blit(out, side, side, px, ATLAS_TILE_PX, x, y, 4);
      }),
    );
  }
  return sharp(out, { raw: { width: side, height: side, channels: 4 } })
    .webp({ quality: 82, alphaQuality: 60, effort: 2 })
    .toBuffer();
}

interface Tally {
  cpu: number;
  wall: number;
  reads: number;
  raws: number;
  n: number;
}
const tally = (): Tally => ({ cpu: 0, wall: 0, reads: 0, raws: 0, n: 0 });

export async function run(): Promise<void> {
  console.log(
    '\n## Atlas blocks and export.png drawn from raw pixels: GET /api/atlas/{ax}/{ay}.webp?v=<seq>, GET /api/mosaic/export.png',
  );
  const dataDir = tempDataDir();
  const config = readConfig({ DATA_DIR: dataDir, MOSAIC_COLS: String(SIDE), MOSAIC_ROWS: String(SIDE) });
  const app = await createApp({ config });
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  // Each tile also keeps a 32 px WebP, as tiles were stored before: the renderer before decodes it.
  const photos = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => {
      const p = await ingestPhoto(await syntheticJpeg(640, 480, i * 13 + 5));
      return { ...p, files: new Map([...p.files, [32 as const, await tileWebp(p.rgb32!, 32)]]) };
    }),
  );
  for (let i = 0; i < PREFILL; i++)
    await app.service.add(photos[i % photos.length]!, { event: null, phash: null });

  // Counted: tiles decoded (a 32 px WebP read) and tiles drawn from their stored raw pixels.
  let reads = 0;
  let raws = 0;
  const readFile = app.service.readFile.bind(app.service);
  app.service.readFile = (id, size) => {
    reads++;
    return readFile(id, size);
  };
  const readRgb32 = app.service.readRgb32.bind(app.service);
  app.service.readRgb32 = async (id) => {
    const px = await readRgb32(id);
    if (px) raws++;
    return px;
  };
  const get = async (ax: number, ay: number) => {
    const res = await fetch(`${url}/api/atlas/${ax}/${ay}.webp?v=${app.service.seq}`);
    if (res.status !== 200) throw new Error(`atlas ${ax},${ay}: HTTP ${res.status}`);
    await res.arrayBuffer();
  };

  const measure = async (into: Tally, work: () => Promise<unknown>) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    reads = 0;
    raws = 0;
    await work();
    into.cpu += cpuMs(c0);
    into.wall += performance.now() - t0;
    into.reads += reads;
    into.raws += raws;
    into.n++;
  };
  const read: ReadTile = (id, size) => app.service.readFile(id, size);
  const tilesOf = (ax: number, ay: number) =>
    app.service.liveIn(ax * ATLAS_CELLS, ay * ATLAS_CELLS, ATLAS_CELLS, ATLAS_CELLS);
  const before = (ax: number, ay: number) =>
    perTileRender(tilesOf(ax, ay), ax * ATLAS_CELLS, ay * ATLAS_CELLS, read);

  // Every block once, as viewers arriving at middle zoom ask for them.
  const blocks = Math.ceil(SIDE / ATLAS_CELLS);
  const cold = tally();
  const coldBefore = tally();
  for (let ay = 0; ay < blocks; ay++) {
    for (let ax = 0; ax < blocks; ax++) {
      await measure(cold, () => get(ax, ay));
      await measure(coldBefore, () => before(ax, ay));
    }
  }

  const kept = tally();
  const fresh = tally();
  const landedBefore = tally();
  for (let i = 0; i < LANDINGS; i++) {
    const added = await app.service.add(photos[(i * 7) % photos.length]!, { event: null, phash: null });
    if (added.status !== 'live') throw new Error(`landing ${i}: ${added.status}`);
    const ax = Math.floor(added.col / ATLAS_CELLS);
    const ay = Math.floor(added.row / ATLAS_CELLS);
    await measure(kept, () => get(ax, ay));
    await measure(landedBefore, () => before(ax, ay));
    await measure(fresh, () =>
      renderAtlas({
        cells: ATLAS_CELLS,
        tilePx: ATLAS_TILE_PX,
        col0: ax * ATLAS_CELLS,
        row0: ay * ATLAS_CELLS,
        tiles: tilesOf(ax, ay),
        read,
        readRgb32: (id) => app.service.readRgb32(id),
      }),
    );
  }
  // export.png of the same mosaic at 32 px per cell (its default width up to 128 columns) and at
  // 8 px (a big mosaic's export, the export pyramid's lower levels), through the route, beside
  // the same picture with every tile decoded from its 32 px WebP (as before).
  const EXPORT_PX = [ATLAS_TILE_PX, 8] as const;
  const exported = EXPORT_PX.map(() => tally());
  const exportedBefore = EXPORT_PX.map(() => tally());
  for (let r = 0; r < 3; r++) {
    for (const [k, px] of EXPORT_PX.entries()) {
      await measure(exported[k]!, async () => {
        const res = await fetch(`${url}/api/mosaic/export.png?width=${SIDE * px}`);
        if (res.status !== 200) throw new Error(`export.png: HTTP ${res.status}`);
        await res.arrayBuffer();
      });
      await measure(exportedBefore[k]!, async () =>
        renderExport({
          cols: SIDE,
          rows: SIDE,
          tilePx: px,
          tiles: app.service.placements(),
          read,
          target: await Target.open(config.targetPath),
        }),
      );
    }
  }
  await app.close();
  removeDir(dataDir);

  const line = (what: string, m: Tally, each = 'block') =>
    `${what}: ${(m.cpu / m.n).toFixed(1)} ms of CPU, ${(m.wall / m.n).toFixed(1)} ms wall; per ${each} ${(m.raws / m.n).toFixed(1)} tiles from raw pixels, ${(m.reads / m.n).toFixed(1)} decoded`;
  console.log(
    `${SIDE}x${SIDE} mosaic, ${PREFILL} tiles then ${LANDINGS} landings, one block asked for after each; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  const ratio = (a: Tally, b: Tally) =>
    `${(a.cpu / a.n / (b.cpu / b.n)).toFixed(3)}x the CPU, ${(a.wall / a.n / (b.wall / b.n)).toFixed(3)}x the wall time`;
  console.log(line('first render of a block (raw pixels, or one joined decode)', cold));
  console.log(line('  the same blocks, a pipeline per tile (before)', coldBefore));
  console.log(`  ratio: ${ratio(cold, coldBefore)}`);
  console.log(line('after a landing, pixels kept (only the changed cells decoded)', kept));
  console.log(line('  the same blocks drawn from nothing now', fresh));
  console.log(line('  the same blocks, a pipeline per tile (before)', landedBefore));
  console.log(
    `  ratio: ${ratio(kept, landedBefore)}; at one landing a second in watched blocks the server spends ${((kept.cpu / kept.n) * 0.1).toFixed(1)} % of a core on atlases, against ${((landedBefore.cpu / landedBefore.n) * 0.1).toFixed(1)} % before`,
  );
  for (const [k, px] of EXPORT_PX.entries()) {
    console.log(
      line(`export.png at ${px} px per cell (${SIDE * px} px), raw pixels`, exported[k]!, 'export'),
    );
    console.log(line('  the same picture, every tile decoded (before)', exportedBefore[k]!, 'export'));
    console.log(`  ratio: ${ratio(exported[k]!, exportedBefore[k]!)}`);
  }
}
