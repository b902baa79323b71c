/**
 * Poster benchmark (`npm run bench -- poster`): time and peak RSS of an A0 poster PDF at
 * 300 dpi of a mosaic seeded by scripts/seed.ts (10,000 tiles unless BENCH_POSTER_TILES says
 * otherwise; kept in .bench-data/), beside the reference measured in the same run: the
 * existing export.png, which holds the whole picture in memory, at the largest size it allows
 * (64 megapixels). Each case runs in a fresh server process, so each peak is its own.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { seededFolder } from './_seeded.ts';

const ROOT = resolve(import.meta.dirname, '../..');

interface CaseResult {
  seconds: number;
  baseMb: number;
  peakMb: number;
  pixels: string;
  bytes: number;
  megapixels: number;
}

function runCase(dataDir: string, path: string): CaseResult {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '_posterCase.ts'), dataDir, path],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`case ${path} failed: ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CaseResult;
}

export async function run(): Promise<void> {
  const tiles = Number(process.env.BENCH_POSTER_TILES ?? 10_000);
  const dataDir = resolve(process.env.BENCH_POSTER_DATA ?? join(ROOT, '.bench-data', `poster-${tiles}`));
  console.log(
    `\n## Poster: A0 at 300 dpi, ${tiles} tiles (load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  seededFolder(tiles, dataDir);
  const poster = runCase(dataDir, '/api/mosaic/poster.pdf?size=A0&dpi=300');
  const reference = runCase(dataDir, '/api/mosaic/export.png?width=EXPORT_MAX');
  const line = (name: string, c: CaseResult) =>
    console.log(
      `${name.padEnd(34)} ${c.pixels.padStart(11)} px (${c.megapixels.toFixed(1)} MP)  ${c.seconds.toFixed(1).padStart(6)} s  ` +
        `${(c.seconds / c.megapixels).toFixed(2)} s/MP  peak RSS ${c.peakMb.toFixed(0)} MB (server alone ${c.baseMb.toFixed(0)} MB, ` +
        `+${(c.peakMb - c.baseMb).toFixed(0)} MB)  ${(c.bytes / 1e6).toFixed(1)} MB file`,
    );
  line('poster.pdf A0 300 dpi (strips)', poster);
  line('export.png (reference, in memory)', reference);
  const perMp = (c: CaseResult) => (c.peakMb - c.baseMb) / c.megapixels;
  console.log(
    `memory added per megapixel: poster ${perMp(poster).toFixed(2)} MB, reference ${perMp(reference).toFixed(2)} MB ` +
      `(ratio ${(perMp(poster) / perMp(reference)).toFixed(2)}); time per megapixel ratio ` +
      `${(poster.seconds / poster.megapixels / (reference.seconds / reference.megapixels)).toFixed(2)}`,
  );
  console.log(
    `(load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
}
