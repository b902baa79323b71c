/**
 * Content codings: which ones this server sends, which files are worth compressing, and
 * which coding a request accepts. The build (scripts/precompress.ts) writes `.br` and `.gz`
 * siblings of the built client's files; clientRoutes.ts serves them, and compressed.ts
 * compresses large API answers on the fly.
 */
import { extname } from 'node:path';

/** A content coding this server sends, in its own order of preference. */
export type Coding = 'br' | 'gzip';

/** The codings in order of preference (brotli is smaller at the same speed of decoding). */
export const CODINGS: readonly Coding[] = ['br', 'gzip'];

/** The suffix of a file's precompressed sibling in each coding. */
export const SUFFIX: Readonly<Record<Coding, string>> = { br: '.br', gzip: '.gz' };

/**
 * File types worth compressing: text and wasm. Images (WebP, PNG, JPEG), fonts in woff2
 * and anything else already compressed are left out, since compressing them again gains
 * nothing.
 */
const COMPRESSIBLE = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.svg',
  '.json',
  '.webmanifest',
  '.map',
  '.txt',
  '.xml',
  '.wasm',
]);

/** Whether a file of this name is worth compressing (by its extension). */
export function isCompressible(name: string): boolean {
  return COMPRESSIBLE.has(extname(name).toLowerCase());
}

/**
 * The coding to answer with, given an `Accept-Encoding` header and the codings on offer:
 * the one with the highest q (a coding not named takes the q of `*`, else 0), ties going
 * to the order of `offered`; null for identity (no header, nothing acceptable, or q=0).
 */
export function chooseCoding(
  header: string | undefined,
  offered: readonly Coding[] = CODINGS,
): Coding | null {
  if (!header) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      // A malformed weight counts as refusal rather than a guess.
      if (p.startsWith('q=')) weight = m ? Number(m[1]) : 0;
    }
    q.set(name, weight);
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const c of offered) {
    const w = q.get(c) ?? q.get('*') ?? 0;
    if (w > bestQ) {
      best = c;
      bestQ = w;
    }
  }
  return best;
}
