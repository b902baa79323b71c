/**
 * The timelapse renderer, run as a child process at the lowest CPU priority so that uploads
 * keep their speed: it draws each frame with sharp and pipes raw RGB into ffmpeg (which
 * inherits the priority), asking the parent for each frame's changes (tiles to draw, cells to
 * empty, a new grid after a growth) and for tile files as frames need them. The parent
 * owns every file name: this writes only to `spec.out`, which the parent renames or deletes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { TILE_SIZES, type TileSize } from '../../shared/httpApi.ts';
import { timelapseLayout } from '../../shared/timelapse.ts';
import { useBundledFonts } from '../print/fontFile.ts';
import type { ComposeTile } from './compose.ts';
import { sharp } from './sharp.ts';
import { TimelapseCanvas } from './TimelapseCanvas.ts';
import type { FrameStep, ToParent, ToWorker, WorkerSpec } from './timelapseIpc.ts';

// This process loads only our own SVG text bands and tiles the server re-encoded itself.
sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });
// The bands name DejaVu Sans first: found here even where the machine has no fonts.
useBundledFonts();
try {
  setPriority(19);
} catch {
  // Not allowed here: it still runs, at the parent's priority.
}

const send = (m: ToParent) => process.send?.(m);
/** A tile's image as the parent sent it: a WebP, or its raw 32 px pixels. */
interface TileImage {
  data: Buffer | null;
  raw: boolean;
}
let pending: ((files: TileImage[]) => void) | null = null;
let stepping: ((m: { step: FrameStep; background?: Uint8Array }) => void) | null = null;
let ffmpeg: ReturnType<typeof spawn> | null = null;

/** Exits once ffmpeg is gone, so that it cannot create or write the output after the parent deleted it. */
function stop(code: number): void {
  if (!ffmpeg || ffmpeg.exitCode !== null || ffmpeg.signalCode !== null) process.exit(code);
  ffmpeg.once('close', () => process.exit(code));
  ffmpeg.kill('SIGKILL');
}
process.on('SIGTERM', () => stop(143));
process.on('disconnect', () => stop(1));

/** Asks the parent for tiles' files (it reads them through the mosaic, on any kind of node). */
function files(ids: number[], size: TileSize): Promise<TileImage[]> {
  return new Promise((resolve) => {
    pending = resolve;
    send({ type: 'need', ids, size });
  });
}

/** Asks the parent for frame `f`'s changes. */
function nextStep(f: number): Promise<{ step: FrameStep; background?: Uint8Array }> {
  return new Promise((resolve) => {
    stepping = resolve;
    send({ type: 'step', frame: f });
  });
}

const sizeFor = (cellPx: number): TileSize =>
  TILE_SIZES.find((s) => s >= cellPx) ?? TILE_SIZES[TILE_SIZES.length - 1]!;

async function render(spec: WorkerSpec): Promise<void> {
  const { width, height, fps, frames } = spec;
  let canvas: TimelapseCanvas | null = null;
  let size: TileSize = TILE_SIZES[0];

  // libx264 at "veryfast" with one thread: a frame every few ms, and never more than a core.
  ffmpeg = spawn(
    spec.ffmpeg,
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24'],
      ...['-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-threads', '1'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '-y', spec.out],
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let errors = '';
  ffmpeg.stderr!.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-2000);
  });
  let ended = false;
  const exited = (once(ffmpeg, 'close') as Promise<[number | null]>).finally(() => {
    ended = true;
  });
  const input = ffmpeg.stdin!;
  input.on('error', () => {});

  let lastSent = -1;
  // An encoder that stopped early is reported below, with what it said.
  for (let f = 0; f < frames && !ended; f++) {
    const { step, background } = await nextStep(f);
    if (step.grid) {
      const layout = timelapseLayout(width, height, step.grid.cols, step.grid.rows);
      if (!background) throw new Error('a new grid came without its background');
      if (canvas) canvas.relayout(layout, Buffer.from(background));
      else {
        canvas = new TimelapseCanvas(width, height, layout, spec.text);
        canvas.background(Buffer.from(background));
      }
      size = sizeFor(layout.cellPx);
    }
    if (!canvas) throw new Error('the first frame came without a grid');
    canvas.clearCells(step.clear);
    const p = step.paint;
    // A cell that changed hands shows its old tile until the new one is drawn: empty it first,
    // in case the new one's file is gone meanwhile (a delete while this renders).
    if (!step.grid) canvas.clearCells(p.filter((_, k) => k % 6 === 1 || k % 6 === 2));
    const tile = (i: number): ComposeTile => ({
      id: p[6 * i]!,
      col: p[6 * i + 1]!,
      row: p[6 * i + 2]!,
      tint: { r: p[6 * i + 3]!, g: p[6 * i + 4]!, b: p[6 * i + 5]! },
    });
    const n = p.length / 6;
    for (let i = 0; i < n; i += 64) {
      const batch = Array.from({ length: Math.min(64, n - i) }, (_, k) => tile(i + k));
      const got = await files(
        batch.map((t) => t.id),
        size,
      );
      const byId = new Map(batch.map((t, k) => [t.id, got[k]]));
      await canvas.addTiles(
        batch,
        async (id) => {
          const g = byId.get(id);
          return g && !g.raw ? g.data : null;
        },
        async (id) => {
          const g = byId.get(id);
          return g?.raw ? g.data : null;
        },
      );
    }
    await canvas.counter(step.count);
    if (!input.write(canvas.frame())) await Promise.race([once(input, 'drain').catch(() => {}), exited]);
    const pc = Math.floor(((f + 1) / frames) * 100);
    if (pc !== lastSent) {
      lastSent = pc;
      send({ type: 'progress', value: (0.97 * (f + 1)) / frames });
    }
  }
  input.end();
  const [code] = await exited;
  if (code !== 0) throw new Error(`ffmpeg stopped (exit ${code}): ${errors.trim() || 'no message'}`);
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'files') {
    const p = pending;
    pending = null;
    p?.(m.files.map((f, k) => ({ data: f ? Buffer.from(f) : null, raw: !!m.raw[k] })));
    return;
  }
  if (m.type === 'step') {
    const s = stepping;
    stepping = null;
    s?.({
      step: { ...m.step, paint: new Int32Array(m.step.paint), clear: new Int32Array(m.step.clear) },
      ...(m.background ? { background: m.background } : {}),
    });
    return;
  }
  render(m.spec).then(
    () => process.exit(0),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      stop(1);
    },
  );
});
send({ type: 'ready' });
