import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TileSize } from '../../shared/httpApi.ts';

/** Tile files on disk: DIR/<shard>/<id>/<size>.webp, shard = floor(id / 1000). */
export class TileFiles {
  constructor(readonly dir: string) {}

  folder(id: number): string {
    return join(this.dir, String(Math.floor(id / 1000)), String(id));
  }

  path(id: number, size: TileSize): string {
    return join(this.folder(id), `${size}.webp`);
  }

  /** temp file, fsync, rename, then fsync the folder: a crash leaves either nothing or the whole file. */
  async put(id: number, files: ReadonlyMap<TileSize, Buffer>): Promise<void> {
    const folder = this.folder(id);
    await mkdir(folder, { recursive: true });
    await Promise.all(
      [...files].map(async ([size, data]) => {
        const tmp = join(folder, `.${size}.${randomBytes(6).toString('hex')}.tmp`);
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(data);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, this.path(id, size));
      }),
    );
    await fsyncDir(folder);
    await fsyncDir(join(folder, '..'));
  }

  /** Hard-links another tile's files as this tile's (bulk seeding only). */
  async linkFrom(id: number, sourceId: number, sizes: readonly TileSize[]): Promise<void> {
    await mkdir(this.folder(id), { recursive: true });
    await Promise.all(sizes.map((size) => link(this.path(sourceId, size), this.path(id, size))));
  }

  async read(id: number, size: TileSize): Promise<Buffer | null> {
    try {
      return await readFile(this.path(id, size));
    } catch {
      return null;
    }
  }

  async remove(id: number): Promise<void> {
    await rm(this.folder(id), { recursive: true, force: true });
  }

  /** Deletes every tile folder whose id `keep` rejects; returns how many went. */
  async sweep(keep: (id: number) => boolean): Promise<number> {
    let removed = 0;
    let shards: string[];
    try {
      shards = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const shard of shards) {
      const ids = await readdir(join(this.dir, shard)).catch(() => [] as string[]);
      for (const name of ids) {
        const id = Number(name);
        // A kept tile's folder is complete: its files were durable before its row committed,
        // so only folders without a row can hold temp files. One readdir per shard, not per tile.
        if (Number.isInteger(id) && keep(id)) continue;
        await rm(join(this.dir, shard, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
