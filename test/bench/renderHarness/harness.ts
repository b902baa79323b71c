/**
 * The page test/bench/render.ts opens in headless Chromium.
 *   ?mode=board  the real MosaicBoard fed the binary snapshot /snapshot.bin (decoded with
 *                shared/protocol, applied to a LiveMosaic), atlases and photos drawn here
 *   ?mode=naive&n=N  the reference: one PixiJS Sprite per tile
 * It scripts the same camera path for both and leaves the numbers in window.benchResult.
 */
import { autoDetectRenderer, Container, type Renderer, Sprite, Texture } from 'pixi.js';
import type { CameraState } from '../../../client/render/camera.ts';
import { MosaicBoard } from '../../../client/render/MosaicBoard.ts';
import type { BoardImages } from '../../../client/render/types.ts';
import { decodeLayout, LiveMosaic } from '../../../shared/protocol.ts';

interface Phase {
  name: string;
  frames: number;
  ms: number[];
}

export interface BenchResult {
  mode: string;
  tiles: number;
  overviewMs: number;
  phases: Array<{ name: string; fps: number; p50: number; p95: number; max: number }>;
  gpuBytes?: number;
  error?: string;
}

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'board';
const parent = document.getElementById('board')!;
const FRAMES = Number(params.get('frames') ?? 60);

function stats(p: Phase): { name: string; fps: number; p50: number; p95: number; max: number } {
  const s = [...p.ms].sort((a, b) => a - b);
  const total = p.ms.reduce((a, b) => a + b, 0);
  const q = (f: number): number => s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? 0;
  return {
    name: p.name,
    fps: (p.ms.length * 1000) / total,
    p50: q(0.5),
    p95: q(0.95),
    max: s[s.length - 1] ?? 0,
  };
}

/** Synthetic tinted atlases and photos, drawn here so the bench measures drawing, not a server. */
function syntheticImages(model: LiveMosaic): BoardImages {
  const draw = (size: number, cells: number, ax: number, ay: number): OffscreenCanvas => {
    const c = new OffscreenCanvas(size, size);
    const ctx = c.getContext('2d')!;
    const px = size / cells;
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        const col = ax * cells + x;
        const row = ay * cells + y;
        if (col >= model.cols || row >= model.rows) continue;
        const k = model.farColour(row * model.cols + col);
        if (k === undefined) continue;
        ctx.fillStyle = `#${k.toString(16).padStart(6, '0')}`;
        ctx.fillRect(x * px, y * px, px, px);
        ctx.fillStyle = '#ffffff55';
        ctx.beginPath();
        ctx.arc(x * px + px * 0.4, y * px + px * 0.45, px * 0.2, 0, 7);
        ctx.fill();
      }
    }
    return c;
  };
  return {
    atlas: async (ax, ay) => draw(512, 16, ax, ay),
    photo: async (id, size) => {
      const cell = model.cellOfTile(id) ?? 0;
      return draw(size, 1, cell % model.cols, Math.floor(cell / model.cols));
    },
  };
}

/** The camera path both renderers follow: zoom in from the overview, pan, zoom back out. */
function path(
  cols: number,
  rows: number,
  w: number,
  h: number,
): Array<{ name: string; cams: CameraState[] }> {
  const fit = Math.min(w / cols, h / rows) * 0.96;
  const cx = cols / 2;
  const cy = rows / 2;
  const zoom: CameraState[] = [];
  const deep = 40;
  for (let i = 0; i < FRAMES; i++) zoom.push({ scale: fit * (deep / fit) ** (i / (FRAMES - 1)), cx, cy });
  const panFar: CameraState[] = [];
  for (let i = 0; i < FRAMES; i++) panFar.push({ scale: fit * 2, cx: cx + (cols / 4) * Math.sin(i / 9), cy });
  const panMid: CameraState[] = [];
  for (let i = 0; i < FRAMES; i++) panMid.push({ scale: 24, cx: cx + i * 1.5, cy: cy + i * 0.5 });
  const panNear: CameraState[] = [];
  for (let i = 0; i < FRAMES; i++) panNear.push({ scale: 220, cx: cx + i * 0.05, cy });
  return [
    { name: 'zoom in', cams: zoom },
    { name: 'pan overview', cams: panFar },
    { name: 'pan middle', cams: panMid },
    { name: 'pan close', cams: panNear },
  ];
}

async function runBoard(): Promise<BenchResult> {
  const marks: Array<[string, number]> = [['start', performance.now()]];
  const model = new LiveMosaic();
  // The renderer starts while the snapshot downloads, as the viewer page does.
  const boardReady = MosaicBoard.create({
    parent,
    images: syntheticImages(model),
    animateArrivals: false,
    maxBatchTextures: params.has('mbt') ? Number(params.get('mbt')) : undefined,
  });
  const res = await fetch('/snapshot.bin');
  const bytes = await res.arrayBuffer();
  marks.push(['fetched', performance.now()]);
  const layout = decodeLayout(bytes);
  marks.push(['decoded', performance.now()]);
  model.applyLayout(layout);
  marks.push(['applied', performance.now()]);
  const board = await boardReady;
  marks.push(['board', performance.now()]);
  board.relayout(model, false);
  marks.push(['relaid', performance.now()]);
  board.renderNow();
  board.finish();
  const overviewMs = performance.now();
  marks.push(['drawn', overviewMs]);
  if (params.has('trace')) console.log(marks.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  const v = board.viewport;
  const phases: Phase[] = [];
  for (const { name, cams } of path(model.cols, model.rows, v.width, v.height)) {
    const p: Phase = { name, frames: cams.length, ms: [] };
    // One warm-up pass lets atlases/photos for the path load, as they would for a person.
    for (const c of cams.slice(0, 8)) {
      board.setCamera(c);
      board.renderNow();
      await new Promise((r) => setTimeout(r, 0));
    }
    for (const c of cams) {
      const t0 = performance.now();
      board.setCamera(c);
      board.renderNow();
      const t1 = performance.now();
      board.finish();
      p.ms.push(performance.now() - t0);
      if (params.has('trace'))
        console.log(`${name} cpu ${(t1 - t0).toFixed(1)} gpu ${(performance.now() - t1).toFixed(1)}`);
      await new Promise((r) => setTimeout(r, 0));
    }
    phases.push(p);
  }
  return {
    mode: 'board',
    tiles: model.size,
    overviewMs,
    phases: phases.map(stats),
    gpuBytes: board.stats().gpuBytes,
  };
}

async function runNaive(n: number): Promise<BenchResult> {
  const cols = Math.ceil(Math.sqrt(n * 1.25));
  const rows = Math.ceil(n / cols);
  const renderer: Renderer = await autoDetectRenderer({
    preference: 'webgl',
    width: parent.clientWidth,
    height: parent.clientHeight,
    background: 0x14101c,
    antialias: false,
  });
  parent.appendChild(renderer.canvas);
  // The same batch-texture cap as the board, so the ratio measures level of detail, not shaders.
  const limits = (renderer as unknown as { limits: { maxBatchableTextures: number } }).limits;
  limits.maxBatchableTextures = Math.min(limits.maxBatchableTextures, 4);
  const stage = new Container();
  const world = new Container();
  stage.addChild(world);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    const s = new Sprite(Texture.WHITE);
    x = (x * 1103515245 + 12345) >>> 0;
    s.tint = x & 0xffffff;
    s.position.set(i % cols, Math.floor(i / cols));
    s.width = 1;
    s.height = 1;
    world.addChild(s);
  }
  const gl = (renderer as unknown as { gl: WebGL2RenderingContext }).gl;
  const finish = (): void => gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  const w = parent.clientWidth;
  const h = parent.clientHeight;
  const apply = (c: CameraState): void => {
    world.scale.set(c.scale);
    world.position.set(w / 2 - c.cx * c.scale, h / 2 - c.cy * c.scale);
  };
  apply({ scale: Math.min(w / cols, h / rows) * 0.96, cx: cols / 2, cy: rows / 2 });
  renderer.render(stage);
  finish();
  const overviewMs = performance.now();
  const phases: Phase[] = [];
  for (const { name, cams } of path(cols, rows, w, h)) {
    const p: Phase = { name, frames: cams.length, ms: [] };
    for (const c of cams) {
      const t0 = performance.now();
      apply(c);
      renderer.render(stage);
      finish();
      p.ms.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 0));
    }
    phases.push(p);
  }
  return { mode: 'naive', tiles: n, overviewMs, phases: phases.map(stats) };
}

const w = window as unknown as { benchResult?: BenchResult };
(mode === 'naive' ? runNaive(Number(params.get('n') ?? 10000)) : runBoard()).then(
  (r) => {
    w.benchResult = r;
  },
  (e: unknown) => {
    w.benchResult = { mode, tiles: 0, overviewMs: 0, phases: [], error: String(e) };
  },
);
