/**
 * Writes a brotli (`.br`, quality 11) and a gzip (`.gz`, level 9) sibling of every
 * compressible file under a folder, where it is meaningfully smaller than the file. The
 * server (server/http/clientRoutes.ts) answers with a sibling when the request accepts it.
 * Compressing once at build time lets the slowest, smallest settings pay for every request.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { type Coding, isCompressible, SUFFIX } from '../server/http/encoding.ts';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** A sibling is kept only when it saves at least this share of the file, and this many bytes. */
const MIN_SAVING = 0.1;
const MIN_SAVED_BYTES = 256;

/** The best (slowest) setting of each coding: this runs once per build. */
export function compressBest(data: Buffer, coding: Coding): Promise<Buffer> {
  return coding === 'br'
    ? brotli(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
        },
      })
    : gz(data, { level: constants.Z_BEST_COMPRESSION });
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Writes the siblings; returns how many were written. */
export async function precompress(dir: string): Promise<number> {
  const files = (await filesUnder(dir)).filter(isCompressible);
  const written = await Promise.all(
    files.flatMap((file) =>
      (['br', 'gzip'] as const).map(async (coding) => {
        const data = await readFile(file);
        const packed = await compressBest(data, coding);
        const saved = data.byteLength - packed.byteLength;
        if (saved < MIN_SAVED_BYTES || saved < data.byteLength * MIN_SAVING) return 0;
        await writeFile(file + SUFFIX[coding], packed);
        return 1;
      }),
    ),
  );
  return written.reduce<number>((a, b) => a + b, 0);
}
