/**
 * Render benchmark (`npm run bench`, or `npx tsx test/bench/render.ts`).
 *
 * Seeds a 1,000,000-tile mosaic with a documented, deterministic script (syntheticMosaic below:
 * a 1000x1000 grid, every cell filled, colours from a procedural rainbow picture of two
 * profiles plus seeded noise, tints from a seeded LCG in -40..40), encodes it as the binary
 * `mosaic:snapshot` frame of shared/protocol, and serves it with the harness page
 * (test/bench/renderHarness) built by Vite. Headless Chromium with software WebGL
 * (SwiftShader) opens the page; it decodes the frame into a LiveMosaic, draws the overview
 * with the real MosaicBoard, then follows a scripted camera path (zoom in, pan far out, pan at
 * atlas zoom, pan close on photos) and times each frame to GPU completion.
 * The reference is a naive one-Sprite-per-tile renderer on the same path, at 10k and 100k tiles.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { encodeFrame, type FrameTile } from '../../shared/protocol.ts';
import { CHROMIUM_ARGS } from '../e2e/harness.ts';
import type { BenchResult } from './renderHarness/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = resolve(ROOT, '.bench-data/render');
const ARGS = CHROMIUM_ARGS;

/** The seeded 1M-tile mosaic: deterministic, no randomness beyond the LCG. */
export function syntheticMosaic(cols: number, rows: number, seed = 20170401): Uint8Array {
  let x = seed >>> 0;
  const rnd = (m: number): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return (x >>> 8) % m;
  };
  const tiles: FrameTile[] = new Array(cols * rows);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const u = col / cols;
      const v = row / rows;
      const hue = (u + v) * 3;
      const inFace = (u - 0.33) ** 2 + (v - 0.5) ** 2 < 0.06 || (u - 0.67) ** 2 + (v - 0.5) ** 2 < 0.06;
      const k = inFace ? 0.35 : 1;
      const r = Math.max(0, Math.min(255, 128 + 127 * Math.cos(hue) * k + rnd(31) - 15));
      const g = Math.max(0, Math.min(255, 128 + 127 * Math.cos(hue - 2.1) * k + rnd(31) - 15));
      const b = Math.max(0, Math.min(255, 128 + 127 * Math.cos(hue + 2.1) * k + rnd(31) - 15));
      tiles[row * cols + col] = {
        id: row * cols + col + 1,
        col,
        row,
        rgb: [Math.round(r), Math.round(g), Math.round(b)],
        tint: { r: rnd(81) - 40, g: rnd(81) - 40, b: rnd(81) - 40 },
      };
    }
  }
  return encodeFrame({ kind: 'snapshot', seq: tiles.length, cols, rows, tiles });
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export async function run(): Promise<void> {
  await build({
    root: resolve(ROOT, 'test/bench/renderHarness'),
    base: '/',
    logLevel: 'warn',
    publicDir: false,
    build: { outDir: OUT, emptyOutDir: true, chunkSizeWarningLimit: 4000 },
  });
  const snapshot = syntheticMosaic(1000, 1000);
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/snapshot.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(snapshot);
      return;
    }
    try {
      const file = resolve(OUT, `.${path === '/' ? '/index.html' : path}`);
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ARGS,
  });
  const results: BenchResult[] = [];
  try {
    for (const q of ['mode=board', 'mode=naive&n=10000', 'mode=naive&n=100000']) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${base}/?${q}`);
      await page.waitForFunction(() => (window as { benchResult?: unknown }).benchResult, null, {
        timeout: 600_000,
        polling: 200,
      });
      const r = (await page.evaluate(
        () => (window as unknown as { benchResult: BenchResult }).benchResult,
      )) as BenchResult;
      if (r.error) throw new Error(`${q}: ${r.error}`);
      results.push(r);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  const fmt = (n: number, d = 1): string => n.toFixed(d);
  console.log(
    'render (headless Chromium, SwiftShader software WebGL, 1280x800; frame = render + GPU finish)',
  );
  console.log(
    '  MosaicBoard draws at half resolution while the camera moves on software WebGL (a still camera gets a\n' +
      '  full-resolution frame, and the overview is timed at full resolution); the naive reference draws at full.',
  );
  for (const r of results) {
    const label =
      r.mode === 'board'
        ? `MosaicBoard ${r.tiles.toLocaleString('en')} tiles`
        : `naive Sprite/tile ${r.tiles.toLocaleString('en')}`;
    console.log(
      `  ${label}: time to full overview ${fmt(r.overviewMs, 0)} ms after navigation${r.gpuBytes ? `, GPU textures ${fmt(r.gpuBytes / 1048576)} MiB` : ''}`,
    );
    for (const p of r.phases) {
      console.log(
        `    ${p.name.padEnd(13)} ${fmt(p.fps).padStart(6)} fps  frame p50 ${fmt(p.p50)} ms  p95 ${fmt(p.p95)} ms  max ${fmt(p.max)} ms`,
      );
    }
  }
  const board = results[0]!;
  const meanFps = (r: BenchResult): number => r.phases.reduce((a, p) => a + p.fps, 0) / r.phases.length;
  for (const ref of results.slice(1)) {
    console.log(
      `  ratio: MosaicBoard at 1M tiles vs naive at ${ref.tiles.toLocaleString('en')}: ${fmt(meanFps(board) / meanFps(ref), 2)}x mean fps, ` +
        `${fmt(ref.overviewMs / board.overviewMs, 2)}x faster to overview (targets: overview <= 1500 ms, >= 30 fps)`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
