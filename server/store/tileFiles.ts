import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TILE_SIZES, type TileSize } from '../../shared/httpApi.ts';

const MAGIC = 'KTF1';
/** The magic, then each size's byte length (uint32, little-endian; 0 = not stored) in TILE_SIZES order. */
const HEADER = 4 + 4 * TILE_SIZES.length;
/** Marks the 32 px tile's raw RGB after the WebPs (older readers stop at the WebPs and never see it). */
const RGB_TAG = 'RGB3';
/** Bytes of the 32 px tile as raw RGB. */
const RGB32_BYTES = 32 * 32 * 3;
/** A progress line every so many converted tiles. */
const CONVERT_LOG_EVERY = 10_000;

/**
 * Tile files on disk: one file per tile, DIR/<shard>/<id>.tile (shard = floor(id / 1000)),
 * holding every size: a 16-byte header ("KTF1", then the byte lengths of the 32, 128 and
 * 512 px WebPs, 0 for one not stored) and the WebPs in that order; then, for tiles stored
 * since, "RGB3" and the 32 px tile as raw RGB (3,072 bytes), what atlas blocks are drawn from
 * without a decode. Tiles stored now keep no 32 px WebP (length 0): it is encoded from the raw
 * pixels when asked for (readTileSize in server/ingest/pipeline.ts).
 *
 * One file instead of a folder of three: a stored tile costs one new inode instead of four
 * (ext4 gives every new folder its own search for a block group), one fsync instead of three
 * plus the folder's, and a third of the file system calls. Measured on a bulk import of
 * 1600 px photos: 9 % less CPU per photo, most of it the kernel's (docs/BENCHMARKS.md).
 *
 * Data folders written before hold DIR/<shard>/<id>/<size>.webp: `read` still finds those
 * files, and `sweep` (at every start) rewrites each such folder as one file.
 */
export class TileFiles {
  /**
   * Shard folders made (or found) by this process, each with its entry fsync'd: the promise,
   * so that a tile stored beside the first one in a new shard also waits for that fsync.
   */
  private readonly shards = new Map<string, Promise<void>>();
  private readonly folders = new FolderSyncs();

  constructor(readonly dir: string) {}

  /** The tile's file. */
  file(id: number): string {
    return join(this.shardOf(id), `${id}.tile`);
  }

  /** The tile's byte size on disk (its file, or the old layout's folder of WebPs), or null where it has none. */
  async size(id: number): Promise<number | null> {
    const one = await stat(this.file(id)).catch(() => null);
    if (one) return one.size;
    const files = await this.readLegacy(id);
    return files.size ? [...files.values()].reduce((n, b) => n + b.length, 0) : null;
  }

  /** Temp file, fsync, rename, then fsync the shard folder: a crash leaves either nothing or the whole tile. */
  async put(id: number, files: ReadonlyMap<TileSize, Buffer>, rgb32?: Buffer): Promise<void> {
    const data = pack(files, rgb32);
    const tmp = join(this.shardOf(id), `${id}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await this.writeDurably(tmp, data);
      await rename(tmp, this.file(id));
    } catch (e) {
      // A full disk halfway through: no temp file stays behind.
      await unlink(tmp).catch(() => {});
      throw e;
    }
    await this.folders.sync(this.shardOf(id));
  }

  private async writeDurably(tmp: string, data: Buffer): Promise<void> {
    await this.makeShard(dirname(tmp));
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(tmp, 'w');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // The shard was removed behind this process's back (a restore into a running folder, a
      // person tidying up): make it again.
      this.shards.delete(dirname(tmp));
      await this.makeShard(dirname(tmp));
      fh = await open(tmp, 'w');
    }
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Makes a shard folder once, with its entry in the parent durable before any tile goes in. */
  private makeShard(shard: string): Promise<void> {
    let made = this.shards.get(shard);
    if (!made) {
      made = (async () => {
        const first = await mkdir(shard, { recursive: true });
        if (first === undefined) return;
        // Each folder made needs its entry in its parent synced: from the first one made up.
        for (let d = shard; ; d = dirname(d)) {
          await this.folders.sync(dirname(d));
          if (d === first) break;
        }
      })();
      this.shards.set(shard, made);
      // A failure (a full disk) is not remembered: the next tile tries again.
      made.catch(() => this.shards.delete(shard));
    }
    return made;
  }

  /** Hard-links another tile's file as this tile's (bulk seeding only). */
  async linkFrom(id: number, sourceId: number): Promise<void> {
    await this.makeShard(this.shardOf(id));
    await link(this.file(sourceId), this.file(id));
  }

  /**
   * Puts tile `id` into `other` (a backup's staging folder): a hard link to its file, or
   * for a folder of the old layout, its files written there as one. False when it has none.
   */
  async copyTo(other: TileFiles, id: number): Promise<boolean> {
    await other.makeShard(other.shardOf(id));
    try {
      await link(this.file(id), other.file(id));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const files = await this.readLegacy(id);
    if (!files.size) return false;
    await writeFile(other.file(id), pack(files));
    return true;
  }

  async read(id: number, size: TileSize): Promise<Buffer | null> {
    const at = TILE_SIZES.indexOf(size);
    const part = await this.readPart(id, (head) => {
      let start = HEADER;
      for (let k = 0; k < at; k++) start += head.readUInt32LE(4 + 4 * k);
      return { start, length: head.readUInt32LE(4 + 4 * at) };
    });
    if (part !== undefined) return part;
    return readFile(join(this.legacyFolder(id), `${size}.webp`)).catch(() => null);
  }

  /** The 32 px tile as raw RGB, or null where its file has none (stored before, or of the old layout). */
  async readRgb32(id: number): Promise<Buffer | null> {
    const part = await this.readPart(id, (head) => {
      let start = HEADER;
      for (let k = 0; k < TILE_SIZES.length; k++) start += head.readUInt32LE(4 + 4 * k);
      return { start, length: RGB_TAG.length + RGB32_BYTES };
    });
    if (!part || part.toString('latin1', 0, RGB_TAG.length) !== RGB_TAG) return null;
    return part.subarray(RGB_TAG.length);
  }

  /**
   * The header, then exactly the range `where` picks from it: no bytes read that the answer
   * does not hold. Undefined when the tile has no file (the old layout may hold it), null
   * when the file is not a tile's or is shorter than the range.
   */
  private async readPart(
    id: number,
    where: (head: Buffer) => { start: number; length: number },
  ): Promise<Buffer | null | undefined> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.file(id), 'r');
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : null;
    }
    try {
      const head = Buffer.allocUnsafe(HEADER);
      if ((await fh.read(head, 0, HEADER, 0)).bytesRead < HEADER || head.toString('latin1', 0, 4) !== MAGIC)
        return null;
      const { start, length } = where(head);
      if (!length) return null;
      const out = Buffer.allocUnsafe(length);
      for (let got = 0; got < length; ) {
        const n = (await fh.read(out, got, length - got, start + got)).bytesRead;
        if (!n) return null; // shorter than its header says
        got += n;
      }
      return out;
    } catch {
      return null;
    } finally {
      await fh.close();
    }
  }

  async remove(id: number): Promise<void> {
    await Promise.all([
      rm(this.file(id), { force: true }),
      rm(this.legacyFolder(id), { recursive: true, force: true }),
    ]);
  }

  /**
   * Deletes the file of every tile below `from` that `known` rejects, and every temp file
   * below `from` (a write a crash cut short); tiles from `from` on are being written now and
   * are left alone. Folders of the old layout are rewritten as one file each (or deleted,
   * for unknown tiles). Returns how many tiles' files went.
   */
  async sweep(
    known: (id: number) => boolean,
    from = Number.POSITIVE_INFINITY,
    log: (line: string) => void = console.log,
  ): Promise<number> {
    let removed = 0;
    let converted = 0;
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const shard of shards) {
      const entries = await readdir(join(this.dir, shard), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const id = Number(/^\d+/.exec(entry.name)?.[0] ?? Number.NaN);
        if (Number.isInteger(id) && id >= from) continue;
        const path = join(this.dir, shard, entry.name);
        const kept = Number.isInteger(id) && known(id);
        if (entry.isDirectory() && kept && entry.name === String(id)) {
          // A tile stored in the old layout: one file from now on.
          if (await this.convert(id, known)) {
            if (++converted % CONVERT_LOG_EVERY === 0)
              log(`tile files: ${converted} tiles rewritten as one file each so far`);
          }
          continue;
        }
        if (kept && entry.name === `${id}.tile`) continue;
        await rm(path, { recursive: true, force: true });
        if (!entry.name.endsWith('.tmp')) removed++;
      }
    }
    if (converted)
      log(
        `tile files: ${converted} tiles of the old layout (a folder of three files) rewritten as one file each`,
      );
    return removed;
  }

  /** Rewrites a tile's old-layout folder as its file; false if it held nothing. */
  private async convert(id: number, known: (id: number) => boolean): Promise<boolean> {
    const files = await this.readLegacy(id);
    if (files.size) await this.put(id, files);
    // Deleted meanwhile: its removal may have run before the file was written.
    if (!known(id)) await rm(this.file(id), { force: true });
    await rm(this.legacyFolder(id), { recursive: true, force: true });
    return files.size > 0;
  }

  private async readLegacy(id: number): Promise<Map<TileSize, Buffer>> {
    const files = new Map<TileSize, Buffer>();
    for (const size of TILE_SIZES) {
      const data = await readFile(join(this.legacyFolder(id), `${size}.webp`)).catch(() => null);
      if (data) files.set(size, data);
    }
    return files;
  }

  private shardOf(id: number): string {
    return join(this.dir, String(Math.floor(id / 1000)));
  }

  /** Where the old layout kept a tile's files. */
  private legacyFolder(id: number): string {
    return join(this.shardOf(id), String(id));
  }
}

/** A tile's file: the header, then each stored size's WebP, then the tagged raw RGB when given. */
function pack(files: ReadonlyMap<TileSize, Buffer>, rgb32?: Buffer): Buffer {
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  const parts: Buffer[] = [head];
  TILE_SIZES.forEach((size, k) => {
    const data = files.get(size);
    head.writeUInt32LE(data?.length ?? 0, 4 + 4 * k);
    if (data) parts.push(data);
  });
  if (rgb32) {
    if (rgb32.length !== RGB32_BYTES) throw new RangeError(`rgb32: ${rgb32.length} bytes`);
    parts.push(Buffer.from(RGB_TAG, 'latin1'), rgb32);
  }
  return Buffer.concat(parts);
}

/**
 * fsyncs of folders, shared by the tiles stored at once: a caller joins an fsync of its folder
 * that has not begun yet, or queues one to begin when the fsync under way ends (that one may
 * have begun before the caller's rename, so it does not cover it). Eight tiles renamed into a
 * shard while one fsync runs then cost two fsyncs of the folder instead of eight.
 */
export class FolderSyncs {
  private readonly folders = new Map<string, { queued: Promise<void> | null; last: Promise<void> }>();

  constructor(private readonly fsync: (dir: string) => Promise<void> = fsyncPath) {}

  sync(dir: string): Promise<void> {
    const known = this.folders.get(dir);
    if (known?.queued) return known.queued;
    const folder = known ?? { queued: null, last: Promise.resolve() };
    const run: Promise<void> = folder.last
      .catch(() => {})
      .then(() => {
        // Begun: a caller from now on may have renamed after this fsync's start.
        if (folder.queued === run) folder.queued = null;
        return this.fsync(dir);
      });
    folder.queued = run;
    folder.last = run;
    this.folders.set(dir, folder);
    const forget = () => {
      if (this.folders.get(dir)?.last === run) this.folders.delete(dir);
    };
    run.then(forget, forget);
    return run;
  }
}

/** fsyncs a file, or a folder's entries (a rename into it, a file made in it). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
