import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { TileFiles } from './tileFiles.ts';

/** What a backup holds, written into it as backup.json and checked by a restore. */
export interface BackupManifest {
  /** 2: a file per tile (tiles/<shard>/<id>.tile); 1: a folder per tile, which start-up converts. */
  format: 1 | 2;
  createdAt: string;
  tiles: number;
  seq: number;
}

const MANIFEST = 'backup.json';

/**
 * An online, consistent backup of the embedded store into a tar file: SQLite's backup API
 * copies the database as of one moment while the server keeps writing, then each of that
 * copy's tiles has its files hard-linked into a staging folder (instant, and safe from a
 * delete that comes later). A tile deleted between the copy and the links has lost its
 * files: its row leaves the copy too, as it has left the mosaic. Tiles added after the copy
 * are not in it. The tar is written beside its destination and renamed into place.
 */
export async function backupStore(dataDir: string, tarFile: string): Promise<BackupManifest> {
  const dbFile = join(dataDir, 'mosaic.db');
  if (!existsSync(dbFile)) throw new Error(`There is no mosaic in ${dataDir} (no mosaic.db).`);
  await sweepStaging(dataDir);
  const staging = await mkdtemp(join(dataDir, `.backup-${process.pid}-`));
  try {
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      await source.backup(join(staging, 'mosaic.db'));
    } finally {
      source.close();
    }
    const copy = new Database(join(staging, 'mosaic.db'));
    let manifest: BackupManifest;
    try {
      copy.pragma('journal_mode = DELETE');
      copy.pragma('secure_delete = ON');
      const live = new TileFiles(join(dataDir, 'tiles'));
      const staged = new TileFiles(join(staging, 'tiles'));
      const ids = copy.prepare('SELECT id FROM tiles ORDER BY id').pluck().all() as number[];
      const gone: number[] = [];
      for (const id of ids) if (!(await live.copyTo(staged, id))) gone.push(id);
      const drop = copy.prepare('DELETE FROM tiles WHERE id = ?');
      copy.transaction(() => {
        for (const id of gone) drop.run(id);
      })();
      const seq = (copy.prepare(`SELECT value FROM meta WHERE key = 'seq'`).pluck().get() as number) ?? 0;
      manifest = { format: 2, createdAt: new Date().toISOString(), tiles: ids.length - gone.length, seq };
    } finally {
      copy.close();
    }
    await writeFile(join(staging, MANIFEST), JSON.stringify(manifest, null, 2));
    const entries = [MANIFEST, 'mosaic.db', ...(existsSync(join(staging, 'tiles')) ? ['tiles'] : [])];
    const tmp = `${tarFile}.${process.pid}.tmp`;
    await tar.c({ file: tmp, cwd: staging, portable: true }, entries);
    await rename(tmp, tarFile);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
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
 * and checks the database; a server started on `dataDir` then serves the backed-up mosaic.
 */
export async function restoreStore(tarFile: string, dataDir: string): Promise<BackupManifest> {
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0)
    throw new Error(`${dataDir} is not empty: restore into a new folder, so that nothing is overwritten.`);
  mkdirSync(dataDir, { recursive: true });
  await tar.x({
    file: tarFile,
    cwd: dataDir,
    strict: true,
    // Only what a backup holds: the manifest, the database and tile files.
    filter: (p) =>
      p === MANIFEST || p === 'mosaic.db' || /^tiles(\/\d+(\/(\d+\.tile|\d+(\/\d+\.webp)?))?)?\/?$/.test(p),
  });
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dataDir, MANIFEST), 'utf8')) as BackupManifest;
  } catch {
    throw new Error(`${tarFile} is not a backup of this mosaic (no ${MANIFEST}).`);
  }
  if (manifest.format !== 1 && manifest.format !== 2)
    throw new Error(`${tarFile} is a backup of an unknown format ${manifest.format}.`);
  const db = new Database(join(dataDir, 'mosaic.db'), { fileMustExist: true });
  try {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') throw new Error(`The database in ${tarFile} is damaged: ${ok}`);
  } finally {
    db.close();
  }
  await rm(join(dataDir, MANIFEST));
  return manifest;
}
