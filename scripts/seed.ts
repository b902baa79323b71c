/**
 * Seeds a data folder with a big mosaic, for load tests and the renderer benchmark:
 *
 *   npm run seed -- --tiles 1000000 --data ./data-1m
 *   DATA_DIR=./data-1m npm start
 *
 * The target, tint and data folder come from the same configuration as the server's
 * (readConfig: MOSAIC_TARGET, MOSAIC_TINT, DATA_DIR); `--data` and `--tint` override them.
 *
 * Every tile is a real row placed by the real engine, with real WebP files: 64 photos
 * go through the real ingest pipeline, and the other tiles hard-link one of their file
 * sets (with slightly varied colour features, so the engine still has to place them).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '../server/config.ts';
import { newDeleteToken } from '../server/core/deleteToken.ts';
import { type IngestedPhoto, ingestPhoto } from '../server/ingest/pipeline.ts';
import { Target } from '../server/ingest/target.ts';
import { SqliteStore } from '../server/store/SqliteStore.ts';
import type { TileRow } from '../server/store/types.ts';
import { createEngine, mulberry32 } from '../shared/mosaic/index.ts';
import { syntheticJpeg } from '../test/support/images.ts';

const { values } = parseArgs({
  options: {
    tiles: { type: 'string', default: '1000000' },
    data: { type: 'string' },
    cols: { type: 'string' },
    rows: { type: 'string' },
    tint: { type: 'string' },
    events: { type: 'string', default: 'london,berlin,brasilia,mexico-city,paris' },
  },
});
const config = readConfig({
  ...process.env,
  DATA_DIR: values.data ?? process.env.DATA_DIR ?? './data-seed',
  ...(values.tint === undefined ? {} : { MOSAIC_TINT: values.tint }),
});
const N = Number(values.tiles);
const side = Math.ceil(Math.sqrt(N));
const cols = Number(values.cols ?? side);
const rows = Number(values.rows ?? Math.ceil(N / cols));
const dataDir = config.dataDir;
const events = values.events!.split(',').filter(Boolean);
if (!Number.isInteger(N) || N < 1 || cols * rows < N)
  throw new Error('need --tiles >= 1 and cols*rows >= tiles');
if (existsSync(join(dataDir, 'mosaic.db')))
  throw new Error(`${dataDir} already holds a mosaic; pick an empty --data folder`);

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const store = new SqliteStore(dataDir);
const target = await Target.open(config.targetPath);
const cellFeatures = await target.cellFeatures(cols, rows);
console.log(`seed: ${N} tiles on ${cols}x${rows}; target features ready (${secs()} s)`);

const POOL = Math.min(64, N);
const pool: IngestedPhoto[] = [];
for (let i = 0; i < POOL; i++) pool.push(await ingestPhoto(await syntheticJpeg(640, 480, i * 37 + 5)));
console.log(`seed: ${POOL} photos ingested (${secs()} s)`);

const engine = createEngine({ cols, rows, cellFeatures, tint: config.MOSAIC_TINT, rng: mulberry32(7) });
const rng = mulberry32(11);
const features: Float32Array[] = new Array(N);
for (let id = 1; id <= N; id++) {
  const f = Float32Array.from(pool[id % POOL]!.features);
  const dl = (rng() - 0.5) * 16;
  for (let k = 0; k < f.length; k += 3) f[k] = f[k]! + dl;
  features[id - 1] = f;
  engine.place(id, f);
  if (id % 100_000 === 0) console.log(`seed: placed ${id}/${N} (${secs()} s)`);
}

for (let id = 1; id <= POOL; id++) {
  const p = pool[id % POOL]!;
  await store.putFiles(id, p.files, p.rgb32);
}
const { hash } = newDeleteToken(); // seeded tiles are not deletable by anyone but an admin
const placements = engine.placements();
const BATCH = 50_000;
for (let i = 0; i < placements.length; i += BATCH) {
  const chunk = placements.slice(i, i + BATCH);
  await Promise.all(chunk.map((p) => (p.id <= POOL ? null : store.linkFiles(p.id, p.id % POOL || POOL))));
  const rowsOut: TileRow[] = chunk.map((p) => ({
    id: p.id,
    status: 'live',
    col: p.col,
    row: p.row,
    tint: p.tint,
    event: events.length ? (events[p.id % (events.length * 4)] ?? null) : null,
    createdAt: Date.now(),
    deleteHash: hash,
    features: features[p.id - 1]!,
    rgb: pool[p.id % POOL]!.rgb,
    phash: null,
  }));
  store.bulkInsert(rowsOut, { cols, rows, seq: engine.seq });
  await store.durable();
  console.log(`seed: stored ${Math.min(i + BATCH, placements.length)}/${placements.length} (${secs()} s)`);
}
store.close();
console.log(`seed: done in ${secs()} s. Start it with: DATA_DIR=${dataDir} npm run serve`);
