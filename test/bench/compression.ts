/**
 * Compression benchmark. Builds the client (`npm run build`'s build) and prints, per page,
 * the bytes of the scripts and styles it may load as identity, brotli and gzip; then, for
 * a 100k- and a 1M-tile snapshot frame, the bytes and server CPU ms of each live setting
 * beside identity, and what a 4G phone (20 Mbit/s) waits for each: the first viewer of a
 * frame waits for its compression, later ones get the cached copy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { buildClient, DIST } from '../../scripts/buildClient.ts';
import { compressLive, LIVE_QUALITY } from '../../server/http/compressed.ts';
import { type Coding, SUFFIX } from '../../server/http/encoding.ts';
import { encodeCellsFrame } from '../../shared/protocol.ts';

const PHONE_BYTES_PER_MS = 20e6 / 8 / 1000;

/** The assets a page may load: its HTML's references and, from there, every chunk a script names. */
function pageAssets(dir: string, html: string): string[] {
  const assets = new Set(readdirSync(join(dir, 'assets')).filter((f) => /\.(js|css)$/.test(f)));
  const seen = new Set<string>();
  const visit = (text: string): void => {
    for (const m of text.matchAll(/[\w.-]+\.(?:js|css)\b/g)) {
      const name = m[0];
      if (!assets.has(name) || seen.has(name)) continue;
      seen.add(name);
      if (name.endsWith('.js')) visit(readFileSync(join(dir, 'assets', name), 'utf8'));
    }
  };
  visit(readFileSync(join(dir, html), 'utf8'));
  return [...seen];
}

/** Bytes of a file's sibling in a coding, or of the file itself where the build kept none. */
function sizeAs(file: string, coding: Coding | null): number {
  const sibling = coding ? file + SUFFIX[coding] : file;
  try {
    return statSync(sibling).size;
  } catch {
    return statSync(file).size;
  }
}

/** 32-bit mulberry32: enough randomness that the compressors find no pattern in it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A full mosaic of n tiles as the live layer encodes it: ids in placement order fall on
 * cells at random (a permutation), each tile's mean colour is the smooth target's colour
 * at its cell plus the spread of real photos (±40 a channel), tinted 0.3 of the way back.
 */
function snapshotFrame(n: number): Uint8Array {
  const cols = Math.ceil(Math.sqrt(n * 1.25));
  const rows = Math.ceil(n / cols);
  const rand = rng(n);
  const cellId = new Uint32Array(cols * rows);
  const cellTint = new Int16Array(3 * cols * rows);
  const cellRgb = new Uint32Array(cols * rows);
  for (let i = 0; i < n; i++) cellId[i] = i + 1;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [cellId[i], cellId[j]] = [cellId[j]!, cellId[i]!];
  }
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < n; i++) {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const target = [
      128 + 100 * Math.sin(col / 50),
      128 + 100 * Math.cos(row / 40),
      128 + 80 * Math.sin((col + row) / 70),
    ];
    const rgb = target.map((v) => clamp(v + (rand() - 0.5) * 80));
    for (let k = 0; k < 3; k++) cellTint[3 * i + k] = Math.round((target[k]! - rgb[k]!) * 0.3);
    cellRgb[i] = (rgb[0]! << 16) | (rgb[1]! << 8) | rgb[2]!;
  }
  return encodeCellsFrame('snapshot', { seq: n, cols, rows, cellId, cellTint, cellRgb });
}

/** Median ms of `runs` calls after one untimed warm-up, and the last result. */
async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; out: T }> {
  let out = await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)]!, out };
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(3)}x`;

async function clientFigures(): Promise<void> {
  await buildClient({ logLevel: 'warn' });
  const dir = join(DIST, 'client');
  console.log('client: scripts + styles a page may load, identity vs brotli (q11) vs gzip (-9), as built');
  for (const html of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
    const files = pageAssets(dir, html).map((f) => join(dir, 'assets', f));
    const sum = (c: Coding | null) => files.reduce((s, f) => s + sizeAs(f, c), 0);
    const [id, br, gz] = [sum(null), sum('br'), sum('gzip')];
    console.log(
      `  ${html.padEnd(13)} ${String(files.length).padStart(2)} files: identity ${kb(id)}, ` +
        `br ${kb(br)} (${ratio(br, id)}), gzip ${kb(gz)} (${ratio(gz, id)})`,
    );
  }
}

/** The settings measured; the live ones (compressed.ts) are marked. */
const SETTINGS: readonly [Coding, number][] = [
  ['gzip', 1],
  ['gzip', 6],
  ['br', 1],
  ['br', 4],
  ['br', 5],
  ['br', 6],
];

async function snapshotFigures(): Promise<void> {
  console.log('snapshot: bytes and compress ms per setting beside identity (median, this process);');
  console.log('  4G = ms to download at 20 Mbit/s; first = compress + download, later viewers get the cache');
  for (const n of [100_000, 1_000_000]) {
    const frame = snapshotFrame(n);
    const id = frame.byteLength;
    const idMs = id / PHONE_BYTES_PER_MS;
    const label = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
    console.log(`  ${label} tiles: identity ${kb(id)}, 4G ${idMs.toFixed(0)} ms`);
    for (const [coding, q] of SETTINGS) {
      const r = await time(n > 500_000 ? 3 : 5, () => compressLive(frame, coding, q));
      const bytes = r.out.byteLength;
      const phone = bytes / PHONE_BYTES_PER_MS;
      const live = LIVE_QUALITY[coding] === q ? ' <- live' : '';
      console.log(
        `    ${`${coding} ${q}`.padEnd(7)} ${kb(bytes).padStart(9)} (${ratio(bytes, id)}), ` +
          `compress ${r.ms.toFixed(0).padStart(5)} ms, 4G later ${phone.toFixed(0)} ms (${ratio(phone, idMs)}), ` +
          `first ${(phone + r.ms).toFixed(0)} ms (${ratio(phone + r.ms, idMs)})${live}`,
      );
    }
  }
}

export async function run(): Promise<void> {
  await clientFigures();
  await snapshotFigures();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
