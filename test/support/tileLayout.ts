import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTileSize } from '../../server/ingest/pipeline.ts';
import type { TileFiles } from '../../server/store/tileFiles.ts';
import { TILE_SIZES } from '../../shared/httpApi.ts';

/**
 * Rewrites tile `id` as the older layout held it: a folder `<shard>/<id>/` of its 32, 128 and
 * 512 px WebPs (the 32 px one encoded from the raw pixels, as tiles then kept one), instead of
 * its one file.
 */
export async function toOldLayout(files: TileFiles, id: number): Promise<void> {
  const folder = join(dirname(files.file(id)), String(id));
  mkdirSync(folder);
  for (const size of TILE_SIZES) {
    const data = await readTileSize(
      (i, z) => files.read(i, z),
      (i) => files.readRgb32(i),
      id,
      size,
    );
    if (!data) throw new Error(`tile ${id} has no ${size} px image`);
    writeFileSync(join(folder, `${size}.webp`), data);
  }
  rmSync(files.file(id));
}
