import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { fsyncPath, TileFiles } from './tileFiles.ts';

/** What a backup holds, written into it as backup.json and checked by a restore. */
export interface BackupManifest {
  /** 2: a file per tile (tiles/<shard>/<id>.tile); 1: a folder per tile, which start-up converts. */
  format: 1 | 2;
  createdAt: string;
  tiles: number;
  seq: number;
}

const MANIFEST = 'backup.json';

/** The steps of a backup, each told as it goes: database pages, tiles linked, then bytes of the tar written. */
export type BackupStep = 'database' | 'tiles' | 'archive';
const execFileAsync = promisify(execFile);

/**
 * The steps of a restore: bytes of the tar read and unpacked, then tiles checked against the
 * database, then the unpacked bytes written to disk (told at its start and end).
 */
export type RestoreStep = 'unpack' | 'check' | 'flush';
/** How far a step is: `done` of `total` (its own unit). */
export type OnStep<S extends string> = (step: S, done: number, total: number) => void;

/** Pages SQLite's backup copies at a time, between turns of the event loop (better-sqlite3's default). */
const BACKUP_PAGES_PER_STEP = 100;

/** A tar entry's bytes: its 512-byte header and its data in 512-byte blocks. */
const tarBytes = (size: number) => 512 + Math.ceil(size / 512) * 512;

/**
 * An online, consistent backup of the embedded store into a tar file: SQLite's backup API
 * copies the database as of one moment while the server keeps writing, then each of that
 * copy's tiles has its files hard-linked into a staging folder (instant, and safe from a
 * delete that comes later). A tile deleted between the copy and the links has lost its
 * files: its row leaves the copy too, as it has left the mosaic. Tiles added after the copy
 * are not in it. The tar is written beside its destination, fsync'd and renamed into place,
 * so that a file under the destination's name is always a whole backup.
 */
export async function backupStore(
  dataDir: string,
  tarFile: string,
  progress: OnStep<BackupStep> = () => {},
): Promise<BackupManifest> {
  const dbFile = join(dataDir, 'mosaic.db');
  if (!existsSync(dbFile)) throw new Error(`There is no mosaic in ${dataDir} (no mosaic.db).`);
  await sweepStaging(dataDir);
  const staging = await mkdtemp(join(dataDir, `.backup-${process.pid}-`));
  const tmp = `${tarFile}.${process.pid}.tmp`;
  try {
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      const { totalPages } = await source.backup(join(staging, 'mosaic.db'), {
        progress: ({ totalPages, remainingPages }) => {
          progress('database', totalPages - remainingPages, totalPages);
          return BACKUP_PAGES_PER_STEP;
        },
      });
      progress('database', totalPages, totalPages);
    } finally {
      source.close();
    }
    const copy = new Database(join(staging, 'mosaic.db'));
    let manifest: BackupManifest;
    // What the tar will hold, for the archive step's total: the tiles and their folders here, the
    // manifest and the database below, and the two empty blocks that end it.
    let bytes = 1024;
    try {
      copy.pragma('journal_mode = DELETE');
      copy.pragma('secure_delete = ON');
      const live = new TileFiles(join(dataDir, 'tiles'));
      const staged = new TileFiles(join(staging, 'tiles'));
      const ids = copy.prepare('SELECT id FROM tiles ORDER BY id').pluck().all() as number[];
      const gone: number[] = [];
      const shards = new Set<number>();
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!(await live.copyTo(staged, id))) gone.push(id);
        else {
          bytes += tarBytes((await staged.size(id)) ?? 0);
          shards.add(Math.floor(id / 1000));
        }
        if (i % 256 === 255 || i === ids.length - 1) progress('tiles', i + 1, ids.length);
      }
      bytes += 512 * (shards.size + 1);
      const drop = copy.prepare('DELETE FROM tiles WHERE id = ?');
      copy.transaction(() => {
        for (const id of gone) drop.run(id);
      })();
      const seq = (copy.prepare(`SELECT value FROM meta WHERE key = 'seq'`).pluck().get() as number) ?? 0;
      manifest = { format: 2, createdAt: new Date().toISOString(), tiles: ids.length - gone.length, seq };
    } finally {
      copy.close();
    }
    const written = JSON.stringify(manifest, null, 2);
    await writeFile(join(staging, MANIFEST), written);
    bytes += tarBytes(Buffer.byteLength(written)) + tarBytes(statSync(join(staging, 'mosaic.db')).size);
    const entries = [MANIFEST, 'mosaic.db', ...(existsSync(join(staging, 'tiles')) ? ['tiles'] : [])];
    let out = 0;
    const counted = counting((n) => {
      out = n;
      progress('archive', Math.min(n, bytes), Math.max(n, bytes));
    });
    await pipeline(tar.c({ cwd: staging, portable: true }, entries), counted, createWriteStream(tmp));
    await fsyncPath(tmp);
    await rename(tmp, tarFile);
    // The rename itself is on disk too: a power cut now leaves the backup under its name.
    await fsyncPath(dirname(tarFile));
    progress('archive', out, out);
    return manifest;
  } finally {
    await rm(tmp, { force: true });
    // Writes still under way when a step failed can race the removal: it tries again (ENOTEMPTY).
    await rm(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/** A pass-through that tells how many bytes have gone through it so far. */
function counting(seen: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, next) {
      bytes += chunk.length;
      seen(bytes);
      next(null, chunk);
    },
  });
}

/**
 * Removes the staging folders of backups whose process is gone (killed mid-way): their hard
 * links would otherwise keep the files of tiles deleted since.
 */
async function sweepStaging(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    const pid = Number(/^\.backup-(\d+)-/.exec(name)?.[1]);
    if (!pid || alive(pid)) continue;
    await rm(join(dataDir, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Unpacks a backup made by {@link backupStore} into `dataDir`, which must be new or empty,
 * and checks it: the database whole, and every tile it holds with its files. It unpacks into
 * a folder beside `dataDir` and renames that into place only once all is checked, so a
 * restore that fails (a cut or damaged backup, a full disk) leaves nothing half-restored; a
 * server started on `dataDir` then serves the backed-up mosaic.
 */
export async function restoreStore(
  tarFile: string,
  dataDir: string,
  progress: OnStep<RestoreStep> = () => {},
): Promise<BackupManifest> {
  if (!existsSync(tarFile)) throw new Error(`There is no backup at ${tarFile}.`);
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0)
    throw new Error(`${dataDir} is not empty: restore into a new folder, so that nothing is overwritten.`);
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  await sweepRestores(dataDir);
  const staging = await mkdtemp(`${dataDir}.restoring-${process.pid}-`);
  try {
    const total = statSync(tarFile).size;
    const counted = counting((n) => progress('unpack', n, total));
    const unpacked = pipeline(
      createReadStream(tarFile),
      counted,
      tar.x({
        cwd: staging,
        strict: true,
        // Only what a backup holds: the manifest, the database and tile files.
        filter: (p) =>
          p === MANIFEST ||
          p === 'mosaic.db' ||
          /^tiles(\/\d+(\/(\d+\.tile|\d+(\/\d+\.webp)?))?)?\/?$/.test(p),
      }),
    );
    await unpacked.catch((e: NodeJS.ErrnoException) => {
      if (!String(e.code).startsWith('TAR_')) throw e;
      throw new Error(`${tarFile} is cut short, damaged or not a backup (${e.message}).`);
    });
    let manifest: BackupManifest;
    try {
      manifest = JSON.parse(await readFile(join(staging, MANIFEST), 'utf8')) as BackupManifest;
    } catch {
      throw new Error(`${tarFile} is not a backup of this mosaic (no ${MANIFEST}).`);
    }
    if (manifest.format !== 1 && manifest.format !== 2)
      throw new Error(`${tarFile} is a backup of an unknown format ${manifest.format}.`);
    if (!existsSync(join(staging, 'mosaic.db')))
      throw new Error(`${tarFile} is cut short: it holds no database.`);
    const db = new Database(join(staging, 'mosaic.db'), { fileMustExist: true });
    let ids: number[];
    try {
      const ok = (() => {
        try {
          return db.pragma('integrity_check', { simple: true });
        } catch (e) {
          return (e as Error).message;
        }
      })();
      if (ok !== 'ok') throw new Error(`The database in ${tarFile} is damaged: ${ok}`);
      ids = db.prepare('SELECT id FROM tiles ORDER BY id').pluck().all() as number[];
    } finally {
      db.close();
    }
    // A backup cut short after its database lacks the files of its last tiles.
    const files = new TileFiles(join(staging, 'tiles'));
    const missing: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      if ((await files.size(ids[i]!)) === null) missing.push(ids[i]!);
      if (i % 256 === 255 || i === ids.length - 1) progress('check', i + 1, ids.length);
    }
    if (missing.length)
      throw new Error(
        `${tarFile} is cut short or damaged: ${missing.length} of its ${ids.length} tiles have no image files (the first: tile ${missing[0]}).`,
      );
    await rm(join(staging, MANIFEST));
    // Unpacked files sit in the page cache: on disk before the folder takes its name, so that a
    // power cut soon after the restore cannot leave a database or tiles that were never written.
    progress('flush', 0, total);
    await syncFileSystem(staging);
    progress('flush', total, total);
    // An empty folder given as the destination makes way for the restored one.
    if (existsSync(dataDir)) await rmdir(dataDir);
    await rename(staging, dataDir);
    await fsyncPath(dirname(dataDir));
    return manifest;
  } finally {
    // Writes still under way when a step failed can race the removal: it tries again (ENOTEMPTY).
    await rm(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/**
 * Writes everything under `dir` to disk: one syncfs of its file system (coreutils' `sync -f`),
 * rather than an fsync per file, which on a million tiles would take many minutes. A failure
 * (a disk that cannot write) fails the restore: a plain `sync` would not say so.
 */
async function syncFileSystem(dir: string): Promise<void> {
  await execFileAsync('sync', ['-f', dir]);
}

/** Removes what restores into `dataDir` left beside it when they were killed mid-way. */
async function sweepRestores(dataDir: string): Promise<void> {
  const prefix = `${basename(dataDir)}.restoring-`;
  for (const name of await readdir(dirname(dataDir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || alive(pid)) continue;
    await rm(join(dirname(dataDir), name), { recursive: true, force: true });
  }
}
