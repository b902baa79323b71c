import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGET } from '../../server/config.ts';
import { MosaicService } from '../../server/core/MosaicService.ts';
import type { IngestedPhoto } from '../../server/ingest/pipeline.ts';
import { Target } from '../../server/ingest/target.ts';
import { SqliteStore } from '../../server/store/SqliteStore.ts';
import { mulberry32 } from '../../shared/mosaic/index.ts';
import { FEATURE_LEN } from '../../shared/mosaic/types.ts';
import { queuedIds } from '../support/moderation.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

let target: Target;
const dirs: string[] = [];
const stores: SqliteStore[] = [];

beforeAll(async () => {
  target = await Target.open(DEFAULT_TARGET);
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

/** A photo as ingest hands it over, with colour features drawn from `rng`. */
function photo(rng: () => number): IngestedPhoto {
  const features = new Float32Array(FEATURE_LEN);
  const L = 20 + 60 * rng();
  const a = 60 * rng() - 30;
  const b = 60 * rng() - 30;
  for (let i = 0; i < FEATURE_LEN; i += 3) {
    features[i] = L + (i ? 10 * rng() - 5 : 0);
    features[i + 1] = a + (i ? 6 * rng() - 3 : 0);
    features[i + 2] = b + (i ? 6 * rng() - 3 : 0);
  }
  const rgb: [number, number, number] = [
    Math.floor(255 * rng()),
    Math.floor(255 * rng()),
    Math.floor(255 * rng()),
  ];
  return { files: new Map([[32, Buffer.from('webp')]]), features, rgb, small: Buffer.alloc(0) };
}

async function open(dir: string, moderation: 'post' | 'pre' = 'post', tint = 0.3) {
  const store = new SqliteStore(dir);
  stores.push(store);
  const svc = await MosaicService.open({ store, target, cols: 4, rows: 4, tint, seed: 7, moderation });
  return { store, svc };
}

/** What a viewer and the admin see of a service: every cell, every record, the queue. */
async function state(svc: MosaicService) {
  const c = svc.snapshotCells();
  return {
    cols: c.cols,
    rows: c.rows,
    seq: c.seq,
    cellId: [...c.cellId],
    cellTint: [...c.cellTint],
    cellRgb: [...c.cellRgb],
    records: [...svc.all()],
    pending: await queuedIds(svc),
    placements: svc.placements(),
  };
}

/** A mosaic with placements, a growth, moves, a delete, a hidden tile and a pending one. */
async function busyMosaic(dir: string) {
  const rng = mulberry32(3);
  const { store, svc } = await open(dir);
  const ids: number[] = [];
  for (let i = 0; i < 22; i++) {
    const r = await svc.add(photo(rng), {
      event: i % 3 ? 'london' : null,
      phash: i % 2 ? 'ab12cd34ef567890' : null,
    });
    ids.push(r.id);
  }
  await svc.remove(ids[3]!);
  await svc.hide(ids[5]!);
  await svc.close();
  store.close();
  return ids;
}

describe('start-up image', () => {
  it('a stop leaves an image; the next start reads it and holds exactly what a start from the rows holds', async () => {
    const dir = tempDataDir();
    const copy = tempDataDir();
    dirs.push(dir, copy);
    await busyMosaic(dir);
    expect(existsSync(join(dir, 'cache', 'startup.img'))).toBe(true);
    // The same database without the image: start-up reads the rows.
    copyFileSync(join(dir, 'mosaic.db'), join(copy, 'mosaic.db'));

    const fromImage = await open(dir);
    const fromRows = await open(copy);
    expect(fromImage.svc.cols).toBe(8); // it grew past 16 tiles
    expect(await state(fromImage.svc)).toEqual(await state(fromRows.svc));
    // The image gave the records; the rows say the same, feature for feature.
    expect([...fromImage.store.load().tiles]).toEqual([...fromRows.store.load().tiles]);
    // Both engines go on alike: the next tile lands in the same cell with the same seq.
    const rng = () => 0.5;
    const a = await fromImage.svc.add(photo(rng), { event: 'berlin', phash: null });
    const b = await fromRows.svc.add(photo(rng), { event: 'berlin', phash: null });
    expect({ col: a.col, row: a.row, seq: a.seq }).toEqual({ col: b.col, row: b.row, seq: b.seq });
  });

  it('commits after the stop (a crash before the next stop) are replayed onto the image', async () => {
    const dir = tempDataDir();
    const copy = tempDataDir();
    dirs.push(dir, copy);
    const ids = await busyMosaic(dir);
    // The next run adds tiles (placements and moves), deletes one, sends one back to review, then
    // dies without a stop: no new image.
    const run = await open(dir);
    const rng = mulberry32(11);
    const added: number[] = [];
    for (let i = 0; i < 12; i++)
      added.push((await run.svc.add(photo(rng), { event: 'paris', phash: null })).id);
    await run.svc.remove(ids[0]!);
    await run.svc.remove(added[2]!);
    await run.svc.hide(ids[9]!);
    run.store.close();
    stores.pop();
    copyFileSync(join(dir, 'mosaic.db'), join(copy, 'mosaic.db'));

    const s = new SqliteStore(dir);
    stores.push(s);
    const scanned = s.scan();
    expect(scanned.image).toBeDefined();
    expect([...scanned.tiles]).toEqual(s.load().tiles);
    s.close();
    stores.pop();
    const fromImage = await open(dir);
    const fromRows = await open(copy);
    expect(await state(fromImage.svc)).toEqual(await state(fromRows.svc));
    expect(fromImage.svc.get(ids[0]!)).toBeUndefined();
    expect(fromImage.svc.get(added[2]!)).toBeUndefined();
    expect(fromImage.svc.get(added[11]!)?.event).toBe('paris');
    expect(await queuedIds(fromImage.svc)).toContain(ids[9]);
  });

  it('an image of a later state (a restored older database), or a damaged one, is shredded; start-up reads the rows', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    await busyMosaic(dir);
    const backup = readFileSync(join(dir, 'mosaic.db'));
    const { svc, store } = await open(dir);
    await svc.add(photo(mulberry32(9)), { event: null, phash: null });
    await svc.close();
    store.close();
    stores.pop();
    const img = join(dir, 'cache', 'startup.img');
    expect(existsSync(img)).toBe(true);
    writeFileSync(join(dir, 'mosaic.db'), backup);
    const restored = new SqliteStore(dir);
    stores.push(restored);
    const scanned = restored.scan();
    expect(scanned.image).toBeUndefined();
    expect(existsSync(img)).toBe(false);
    expect([...scanned.tiles]).toEqual(restored.load().tiles);
    restored.close();
    stores.pop();

    // A stop writes it again; damaged, it goes too, with a half-written one beside it.
    const again = await open(dir);
    await again.svc.close();
    truncateSync(img, 1000);
    writeFileSync(`${img}.0badf00d.tmp`, 'half');
    again.store.close();
    stores.pop();
    const s = new SqliteStore(dir);
    stores.push(s);
    expect(s.scan().image).toBeUndefined();
    expect(existsSync(img)).toBe(false);
    expect(existsSync(`${img}.0badf00d.tmp`)).toBe(false);
  });

  it('after the tint strength changes, tints come from the engine, not from the image', async () => {
    const dir = tempDataDir();
    const at06 = tempDataDir();
    const at03 = tempDataDir();
    dirs.push(dir, at06, at03);
    await busyMosaic(dir);
    copyFileSync(join(dir, 'mosaic.db'), join(at06, 'mosaic.db'));
    copyFileSync(join(dir, 'mosaic.db'), join(at03, 'mosaic.db'));
    const fromImage = await state((await open(dir, 'post', 0.6)).svc);
    expect(fromImage).toEqual(await state((await open(at06, 'post', 0.6)).svc));
    expect(fromImage.cellTint).not.toEqual((await state((await open(at03, 'post', 0.3)).svc)).cellTint);
  });

  it('a delete overwrites the tile in the image at once, id aside', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const ids = await busyMosaic(dir);
    const img = join(dir, 'cache', 'startup.img');
    const { svc } = await open(dir);
    const victim = svc.get(ids[7]!)!;
    const time = Buffer.from(new Float64Array([victim.createdAt]).buffer);
    const neighbour = Buffer.from(new Float64Array([svc.get(ids[8]!)!.createdAt]).buffer);
    expect(readFileSync(img).includes(time)).toBe(true);
    await svc.remove(victim.id);
    expect(readFileSync(img).includes(time)).toBe(false);
    expect(readFileSync(img).includes(neighbour)).toBe(true);
  });
  it('rows written since the image with another tint strength make start-up take the engine tints', async () => {
    const dir = tempDataDir();
    const copy = tempDataDir();
    dirs.push(dir, copy);
    await busyMosaic(dir); // image written at tint 0.3
    const other = await open(dir, 'post', 0.6);
    const rng = mulberry32(5);
    for (let i = 0; i < 6; i++) await other.svc.add(photo(rng), { event: null, phash: null });
    other.store.close(); // dies without a stop, its rows tinted at 0.6
    stores.pop();
    copyFileSync(join(dir, 'mosaic.db'), join(copy, 'mosaic.db'));
    const fromImage = await open(dir, 'post', 0.3);
    expect(await state(fromImage.svc)).toEqual(await state((await open(copy, 'post', 0.3)).svc));
  });
});
