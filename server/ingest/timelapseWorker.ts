/**
 * The timelapse renderer, run as a child process at the lowest CPU priority so that uploads
 * keep their speed: it draws each frame with sharp and pipes raw RGB into ffmpeg (which
 * inherits the priority), asking the parent for tile files as frames need them. The parent
 * owns every file name: this writes only to `spec.out`, which the parent renames or deletes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { TILE_SIZES, type TileSize } from '../../shared/httpApi.ts';
import { tilesAtFrame, timelapseLayout } from '../../shared/timelapse.ts';
import type { ComposeTile } from './compose.ts';
import { sharp } from './sharp.ts';
import { TimelapseCanvas } from './TimelapseCanvas.ts';
import type { ToParent, ToWorker, WorkerSpec } from './timelapseIpc.ts';

// This process loads only our own SVG text bands and tiles the server re-encoded itself.
sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });
try {
  setPriority(19);
} catch {
  // Not allowed here: it still runs, at the parent's priority.
}

const send = (m: ToParent) => process.send?.(m);
let pending: ((files: (Buffer | null)[]) => void) | null = null;
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
function files(ids: number[], size: TileSize): Promise<(Buffer | null)[]> {
  return new Promise((resolve) => {
    pending = resolve;
    send({ type: 'need', ids, size });
  });
}

async function render(spec: WorkerSpec, tiles: Int32Array, background: Buffer): Promise<void> {
  const { width, height, fps, frames } = spec;
  const layout = timelapseLayout(width, height, spec.cols, spec.rows);
  const canvas = new TimelapseCanvas(width, height, layout, spec.text);
  canvas.background(background);
  const size = TILE_SIZES.find((s) => s >= layout.cellPx) ?? TILE_SIZES[TILE_SIZES.length - 1]!;
  const tile = (i: number): ComposeTile => ({
    id: tiles[6 * i]!,
    col: tiles[6 * i + 1]!,
    row: tiles[6 * i + 2]!,
    tint: { r: tiles[6 * i + 3]!, g: tiles[6 * i + 4]!, b: tiles[6 * i + 5]! },
  });
  const total = tiles.length / 6;

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

  let drawn = 0;
  let lastSent = -1;
  // An encoder that stopped early is reported below, with what it said.
  for (let f = 0; f < frames && !ended; f++) {
    const want = Math.min(total, tilesAtFrame(f, frames, total, spec.already));
    for (let i = drawn; i < want; i += 64) {
      const batch = Array.from({ length: Math.min(64, want - i) }, (_, k) => tile(i + k));
      const got = await files(
        batch.map((t) => t.id),
        size,
      );
      await canvas.addTiles(batch, async (id) => got[batch.findIndex((t) => t.id === id)] ?? null);
    }
    drawn = Math.max(drawn, want);
    await canvas.counter(want);
    if (!input.write(canvas.frame())) await Promise.race([once(input, 'drain').catch(() => {}), exited]);
    const p = Math.floor(((f + 1) / frames) * 100);
    if (p !== lastSent) {
      lastSent = p;
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
    p?.(m.files.map((f) => (f ? Buffer.from(f) : null)));
    return;
  }
  render(m.spec, new Int32Array(m.tiles), Buffer.from(m.background)).then(
    () => process.exit(0),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      stop(1);
    },
  );
});
send({ type: 'ready' });
