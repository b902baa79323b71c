import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderSyncs, fsyncPath, TileFiles } from '../../server/store/tileFiles.ts';
import type { TileSize } from '../../shared/httpApi.ts';
import { listFiles, removeDir, tempDataDir } from '../support/server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

function store(): TileFiles {
  const dir = tempDataDir();
  dirs.push(dir);
  return new TileFiles(join(dir, 'tiles'));
}

/** Distinct bytes of a given length. */
const bytes = (n: number, seed: number) =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255));

const tile = (seed: number, big = false) =>
  new Map<TileSize, Buffer>([
    [32, bytes(700 + seed, seed)],
    // Larger ones too, when asked: a WebP read may take more than one read call.
    [128, bytes(big ? 20_000 : 6_000, seed + 1)],
    [512, bytes(big ? 90_000 : 40_000, seed + 2)],
  ]);

/** The old layout: a folder per tile with a file per size. */
function writeLegacy(f: TileFiles, id: number, files: Map<TileSize, Buffer>): string {
  const folder = join(f.dir, String(Math.floor(id / 1000)), String(id));
  mkdirSync(folder, { recursive: true });
  for (const [size, data] of files) writeFileSync(join(folder, `${size}.webp`), data);
  return folder;
}

describe('TileFiles', () => {
  it('stores every size of a tile in one file and reads each back exactly', async () => {
    const f = store();
    for (const [id, big] of [
      [7, false],
      [1234, true],
    ] as const) {
      const files = tile(id, big);
      await f.put(id, files);
      for (const [size, data] of files)
        expect((await f.read(id, size))?.equals(data), `${id}/${size}`).toBe(true);
    }
    expect(listFiles(f.dir).sort()).toEqual(['0/7.tile', '1/1234.tile']);
    const onDisk = readFileSync(f.file(7));
    expect(onDisk.toString('latin1', 0, 4)).toBe('KTF1');
    expect(onDisk.length).toBe(16 + [...tile(7).values()].reduce((n, b) => n + b.length, 0));
  });

  it('keeps the 32 px tile as raw RGB after the WebPs, where readers of the WebPs never look', async () => {
    const f = store();
    const rgb = bytes(32 * 32 * 3, 9);
    await f.put(3, tile(3), rgb);
    expect((await f.readRgb32(3))?.equals(rgb)).toBe(true);
    for (const [size, data] of tile(3)) expect((await f.read(3, size))?.equals(data)).toBe(true);
    // The file up to the WebPs is the file without the pixels: what an older reader sees.
    await f.put(4, tile(3));
    const withPixels = readFileSync(f.file(3));
    const without = readFileSync(f.file(4));
    expect(withPixels.subarray(0, without.length).equals(without)).toBe(true);
    expect(withPixels.length).toBe(without.length + 4 + rgb.length);
    // No pixels: stored without them, of the old layout, cut short, or no file at all.
    expect(await f.readRgb32(4)).toBeNull();
    writeLegacy(f, 5, tile(5));
    expect(await f.readRgb32(5)).toBeNull();
    truncateSync(f.file(3), withPixels.length - 1);
    expect(await f.readRgb32(3)).toBeNull();
    expect(await f.readRgb32(99)).toBeNull();
    await expect(f.put(6, tile(6), bytes(100, 1))).rejects.toThrow(RangeError);
  });

  it('answers null for a size not stored, a tile not stored and a damaged file', async () => {
    const f = store();
    await f.put(1, new Map([[32, Buffer.from('only the small one')]]));
    expect((await f.read(1, 32))?.toString()).toBe('only the small one');
    expect(await f.read(1, 128)).toBeNull();
    expect(await f.read(1, 512)).toBeNull();
    expect(await f.read(2, 32)).toBeNull();

    await f.put(3, tile(3));
    truncateSync(f.file(3), 16 + 703 + 100);
    expect((await f.read(3, 32))?.equals(tile(3).get(32)!)).toBe(true);
    expect(await f.read(3, 128)).toBeNull();
    expect(await f.read(3, 512)).toBeNull();
    writeFileSync(f.file(4), 'not a tile file at all');
    expect(await f.read(4, 32)).toBeNull();
  });

  it('replaces a tile atomically, and remove deletes it', async () => {
    const f = store();
    await f.put(5, tile(5));
    await f.put(5, tile(6));
    expect((await f.read(5, 512))?.equals(tile(6).get(512)!)).toBe(true);
    expect(readdirSync(join(f.dir, '0'))).toEqual(['5.tile']);
    await f.remove(5);
    expect(await f.read(5, 32)).toBeNull();
    expect(readdirSync(join(f.dir, '0'))).toEqual([]);
  });

  it('makes a shard removed behind its back again', async () => {
    const f = store();
    await f.put(1, tile(1));
    removeDir(join(f.dir, '0'));
    await f.put(2, tile(2));
    expect((await f.read(2, 128))?.equals(tile(2).get(128)!)).toBe(true);
  });

  it('reads a tile of the old layout, and the sweep rewrites it as one file', async () => {
    const f = store();
    const old = tile(11, true);
    const folder = writeLegacy(f, 11, old);
    const gone = writeLegacy(f, 12, tile(12));
    for (const [size, data] of old) expect((await f.read(11, size))?.equals(data)).toBe(true);

    const lines: string[] = [];
    const removed = await f.sweep(
      (id) => id === 11,
      Number.POSITIVE_INFINITY,
      (l) => lines.push(l),
    );
    expect(removed).toBe(1); // tile 12 has no row
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(gone)).toBe(false);
    expect(listFiles(f.dir)).toEqual(['0/11.tile']);
    for (const [size, data] of old) expect((await f.read(11, size))?.equals(data)).toBe(true);
    expect(lines).toEqual([
      'tile files: 1 tiles of the old layout (a folder of three files) rewritten as one file each',
    ]);
    // Nothing left to convert: a second sweep changes nothing.
    expect(await f.sweep((id) => id === 11)).toBe(0);
    expect(listFiles(f.dir)).toEqual(['0/11.tile']);
  });

  it('sweeps orphans and temp files below `from`, and leaves the writes from `from` on alone', async () => {
    const f = store();
    for (const id of [1, 2, 3, 9]) await f.put(id, tile(id));
    const shard = join(f.dir, '0');
    writeFileSync(join(shard, '2.0123456789ab.tmp'), 'a write a crash cut short');
    writeFileSync(join(shard, '9.ba9876543210.tmp'), 'a write in flight');
    writeFileSync(join(shard, 'stray'), 'not ours');
    const removed = await f.sweep((id) => id === 1, 9);
    expect(removed).toBe(3); // tiles 2 and 3, and the stray file
    expect(readdirSync(shard).sort()).toEqual(['1.tile', '9.ba9876543210.tmp', '9.tile']);
  });

  it('copies a tile of either layout into another store, and says when there is none', async () => {
    const f = store();
    const to = store();
    await f.put(1, tile(1));
    writeLegacy(f, 2, tile(2));
    expect(await f.copyTo(to, 1)).toBe(true);
    expect(await f.copyTo(to, 2)).toBe(true);
    expect(await f.copyTo(to, 3)).toBe(false);
    expect(listFiles(to.dir).sort()).toEqual(['0/1.tile', '0/2.tile']);
    for (const id of [1, 2])
      for (const [size, data] of tile(id)) expect((await to.read(id, size))?.equals(data)).toBe(true);
  });
});

describe('FolderSyncs', () => {
  /** Real fsyncs of real folders, counted. */
  function counted() {
    const begun: string[] = [];
    const syncs = new FolderSyncs((dir) => {
      begun.push(dir);
      return fsyncPath(dir);
    });
    return { syncs, begun };
  }
  const nextTurn = () => new Promise((r) => setImmediate(r));

  it('shares one fsync among the callers that ask before it begins, and starts another for those after', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const { syncs, begun } = counted();
    const early = Array.from({ length: 8 }, () => syncs.sync(dir));
    expect(new Set(early).size).toBe(1);
    await nextTurn(); // the shared fsync has begun: a rename from now on needs the next one
    const late = Array.from({ length: 8 }, () => syncs.sync(dir));
    expect(new Set(late).size).toBe(1);
    expect(late[0]).not.toBe(early[0]);
    await Promise.all([...early, ...late]);
    expect(begun).toEqual([dir, dir]);
    // Each folder has its own.
    const other = join(dir, 'other');
    mkdirSync(other);
    await Promise.all([syncs.sync(dir), syncs.sync(other), syncs.sync(other)]);
    expect(begun.slice(2).sort()).toEqual([dir, other].sort());
  });

  it('fails the callers of a failed fsync, and the next caller gets a fresh one', async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const gone = join(dir, 'gone');
    const { syncs, begun } = counted();
    const failed = [syncs.sync(gone), syncs.sync(gone)];
    for (const f of failed) await expect(f).rejects.toMatchObject({ code: 'ENOENT' });
    mkdirSync(gone);
    await expect(syncs.sync(gone)).resolves.toBeUndefined();
    expect(begun).toEqual([gone, gone]);
  });

  it('stores eight tiles into one shard at once, each whole and readable', async () => {
    const f = store();
    await f.put(1, tile(1)); // the shard exists before the eight start
    await Promise.all(Array.from({ length: 8 }, (_, k) => f.put(10 + k, tile(k))));
    for (let k = 0; k < 8; k++) expect(await f.read(10 + k, 512)).toEqual(tile(k).get(512));
  });
});
