/**
 * Atlas blocks during a kiss-in: tiles land while viewers at middle zoom look at the blocks
 * they land in, and each landing makes those viewers ask for the block again (at its new
 * version). The server's CPU and the wall time per block asked for after a landing, with the
 * block's pixels kept from its last render (only the changed cells decoded), beside the same
 * block drawn from nothing (every tile decoded: what each such request cost before), measured
 * for the same landings in the same run. A real server on port 0 with the embedded store
 * (SQLite and tile files) and real photos.
 */
import { loadavg } from 'node:os';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';
import { renderAtlas } from '../../server/ingest/AtlasCanvas.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
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

export async function run(): Promise<void> {
  console.log('\n## Atlas blocks after a landing: GET /api/atlas/{ax}/{ay}.webp?v=<seq>');
  const dataDir = tempDataDir();
  const config = readConfig({ DATA_DIR: dataDir, MOSAIC_COLS: String(SIDE), MOSAIC_ROWS: String(SIDE) });
  const app = await createApp({ config });
  const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
  const photos = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => ingestPhoto(await syntheticJpeg(640, 480, i * 13 + 5))),
  );
  for (let i = 0; i < PREFILL; i++)
    await app.service.add(photos[i % photos.length]!, { event: null, phash: null });

  let reads = 0;
  const readFile = app.service.readFile.bind(app.service);
  app.service.readFile = (id, size) => {
    reads++;
    return readFile(id, size);
  };
  const get = async (ax: number, ay: number) => {
    const res = await fetch(`${url}/api/atlas/${ax}/${ay}.webp?v=${app.service.seq}`);
    if (res.status !== 200) throw new Error(`atlas ${ax},${ay}: HTTP ${res.status}`);
    await res.arrayBuffer();
  };

  // Every block once, as viewers arriving at middle zoom ask for them.
  const blocks = Math.ceil(SIDE / ATLAS_CELLS);
  const cold = { cpu: 0, wall: 0, reads: 0, n: 0 };
  for (let ay = 0; ay < blocks; ay++) {
    for (let ax = 0; ax < blocks; ax++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      reads = 0;
      await get(ax, ay);
      cold.cpu += cpuMs(c0);
      cold.wall += performance.now() - t0;
      cold.reads += reads;
      cold.n++;
    }
  }

  const kept = { cpu: 0, wall: 0, reads: 0, n: 0 };
  const fresh = { cpu: 0, wall: 0, reads: 0, n: 0 };
  for (let i = 0; i < LANDINGS; i++) {
    const added = await app.service.add(photos[(i * 7) % photos.length]!, { event: null, phash: null });
    if (added.status !== 'live') throw new Error(`landing ${i}: ${added.status}`);
    const ax = Math.floor(added.col / ATLAS_CELLS);
    const ay = Math.floor(added.row / ATLAS_CELLS);
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    reads = 0;
    await get(ax, ay);
    kept.cpu += cpuMs(c0);
    kept.wall += performance.now() - t0;
    kept.reads += reads;
    kept.n++;

    c0 = process.cpuUsage();
    t0 = performance.now();
    reads = 0;
    await renderAtlas({
      cells: ATLAS_CELLS,
      tilePx: ATLAS_TILE_PX,
      col0: ax * ATLAS_CELLS,
      row0: ay * ATLAS_CELLS,
      tiles: app.service.liveIn(ax * ATLAS_CELLS, ay * ATLAS_CELLS, ATLAS_CELLS, ATLAS_CELLS),
      read: (id, size) => app.service.readFile(id, size),
    });
    fresh.cpu += cpuMs(c0);
    fresh.wall += performance.now() - t0;
    fresh.reads += reads;
    fresh.n++;
  }
  await app.close();
  removeDir(dataDir);

  const line = (what: string, m: typeof kept) =>
    `${what}: ${(m.cpu / m.n).toFixed(1)} ms of CPU, ${(m.wall / m.n).toFixed(1)} ms wall, ${(m.reads / m.n).toFixed(1)} tiles decoded per block`;
  console.log(
    `${SIDE}x${SIDE} mosaic, ${PREFILL} tiles then ${LANDINGS} landings, one block asked for after each; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(line('first render of each block (every tile decoded)', cold));
  console.log(line('after a landing, kept pixels (only the changed cells decoded)', kept));
  console.log(line('after a landing, the block drawn from nothing (as before)', fresh));
  console.log(
    `ratio: ${(kept.cpu / fresh.cpu).toFixed(3)}x the CPU, ${(kept.wall / fresh.wall).toFixed(3)}x the wall time; at one landing a second in watched blocks the server spends ${((kept.cpu / kept.n) * 0.1).toFixed(1)} % of a core on atlases, against ${((fresh.cpu / fresh.n) * 0.1).toFixed(1)} %`,
  );
}
