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
function state(svc: MosaicService) {
  const c = svc.snapshotCells();
  return {
    cols: c.cols,
    rows: c.rows,
    seq: c.seq,
    cellId: [...c.cellId],
    cellTint: [...c.cellTint],
    cellRgb: [...c.cellRgb],
    records: [...svc.all()],
    pending: svc.pendingIds(),
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
    expect(state(fromImage.svc)).toEqual(state(fromRows.svc));
    // The image gave the records; the rows say the same, feature for feature.
    expect([...fromImage.store.load().tiles]).toEqual([...fromRows.store.load().tiles]);
    // Both engines go on alike: the next tile lands in the same cell with the same seq.
    const rng = () => 0.5;
    const a = await fromImage.svc.add(photo(rng), { event: 'berlin', phash: null });
    const b = await fromRows.svc.add(photo(rng), { event: 'berlin', phash: null });
    expect({ col: a.col, row: a.row, seq: a.seq }).toEqual({ col: b.col, row: b.row, seq: b.seq });
  });

  it('scan() uses the image only while it copies the stored state', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    await busyMosaic(dir);
    const img = join(dir, 'cache', 'startup.img');
    const saved = readFileSync(img);

    // Usable once, right after the stop that wrote it.
    const s1 = new SqliteStore(dir);
    stores.push(s1);
    expect(s1.scan().image).toBeDefined();
    s1.close();
    // A start draws a new lineage: the same file can never stand for a later state.
    writeFileSync(img, saved);
    const s2 = new SqliteStore(dir);
    stores.push(s2);
    expect(s2.scan().image).toBeUndefined();
    s2.close();
  });

  it('a commit after the stop, or a damaged file, sends start-up back to the rows', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const ids = await busyMosaic(dir);
    const img = join(dir, 'cache', 'startup.img');

    // Another writer commits after the image was written (the image's writes count is behind).
    const writer = new SqliteStore(dir);
    const { meta } = writer.load();
    writer.commit({ remove: [ids[0]!], changes: [], meta: meta! });
    writer.close();
    const { svc } = await open(dir);
    expect(svc.get(ids[0]!)).toBeUndefined();
    await svc.close();
    stores.pop()!.close();

    truncateSync(img, 1000);
    const s = new SqliteStore(dir);
    stores.push(s);
    const scanned = s.scan();
    expect(scanned.image).toBeUndefined();
    expect([...scanned.tiles].map((t) => t.id)).not.toContain(ids[0]);
  });

  it('after the tint strength changes, tints come from the engine, not from the image', async () => {
    const dir = tempDataDir();
    const at06 = tempDataDir();
    const at03 = tempDataDir();
    dirs.push(dir, at06, at03);
    await busyMosaic(dir);
    copyFileSync(join(dir, 'mosaic.db'), join(at06, 'mosaic.db'));
    copyFileSync(join(dir, 'mosaic.db'), join(at03, 'mosaic.db'));
    const fromImage = state((await open(dir, 'post', 0.6)).svc);
    expect(fromImage).toEqual(state((await open(at06, 'post', 0.6)).svc));
    expect(fromImage.cellTint).not.toEqual(state((await open(at03, 'post', 0.3)).svc).cellTint);
  });

  it('a delete overwrites the tile in the image at once; an image that cannot be used is shredded', async () => {
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
    await svc.close();
    stores.pop()!.close();
    // The stop wrote a new image; a crash after a later commit leaves it unusable, and the next
    // start shreds it (and any half-written one) rather than leave rows deleted since on disk.
    const writer = new SqliteStore(dir);
    writer.commit({ changes: [], meta: writer.load().meta! });
    writer.close();
    writeFileSync(`${img}.0badf00d.tmp`, 'half');
    await open(dir);
    expect(existsSync(img)).toBe(false);
    expect(existsSync(`${img}.0badf00d.tmp`)).toBe(false);
  });
});
