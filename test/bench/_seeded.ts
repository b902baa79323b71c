/** A data folder seeded by scripts/seed.ts for a benchmark, seeded on first use and kept (test/bench helper). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** `dataDir` holding `tiles` seeded tiles: seeded now when it holds no mosaic yet. */
export function seededFolder(tiles: number, dataDir: string): string {
  if (!existsSync(join(dataDir, 'mosaic.db'))) {
    console.log(`seeding ${tiles} tiles into ${dataDir} with scripts/seed.ts (kept for the next run)...`);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/seed.ts'), '--tiles', String(tiles), '--data', dataDir],
      { stdio: 'inherit', cwd: ROOT },
    );
    if (r.status !== 0) throw new Error('seeding failed');
  }
  return dataDir;
}
