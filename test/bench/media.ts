/**
 * The timelapse video (`npm run bench -- media`), on the real server with the embedded store:
 *  - encode speed: frames/s and CPU seconds per second of video of a square 1080 x 1080 video
 *    of a seeded mosaic, beside ffmpeg alone encoding as many frames of its own test pattern
 *    with the same settings (the floor: what drawing the frames adds is the difference);
 *  - ingest throughput: uploads/s over HTTP with no render, then with a render running, as a ratio.
 * The renderer is a child process (and ffmpeg its child), so their CPU is read from this
 * process's reaped children's times (/proc/self/stat cutime + cstime).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ffmpegPath } from '../../server/ingest/encoder.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import type { TimelapseJob } from '../../shared/timelapse.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, upload } from '../support/server.ts';

const TOKEN = 'bench-media-token-0123456789';
const SECONDS = Number(process.env.BENCH_MEDIA_SECONDS ?? 10);
const FPS = 30;
const SEED_TILES = 1200;
const UPLOADS = Number(process.env.BENCH_MEDIA_UPLOADS ?? 40);

/** CPU seconds of this process's reaped children (clock ticks of 1/100 s on Linux). */
function childCpu(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function run(): Promise<void> {
  const server = await startServer({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: '48', MOSAIC_ROWS: '48' });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(server.url + path, {
      ...init,
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    });
  const job = async (id: string) => (await (await api(`/api/admin/jobs/${id}`)).json()) as TimelapseJob;
  const start = async (seconds: number) => {
    const res = await api('/api/admin/timelapse', {
      method: 'POST',
      body: JSON.stringify({ preset: 'square', seconds, fps: FPS }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  try {
    const photos = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => ingestPhoto(await syntheticJpeg(400, 300, i * 7 + 1))),
    );
    for (let i = 0; i < SEED_TILES; i++)
      await server.app.service.add(photos[i % photos.length]!, { event: null, phash: null });
    const frames = SECONDS * FPS;

    // Encode speed.
    let c0 = childCpu();
    const p0 = ownCpu();
    let t0 = performance.now();
    const id = await start(SECONDS);
    while ((await job(id)).state !== 'done') await new Promise((r) => setTimeout(r, 100));
    const wall = (performance.now() - t0) / 1000;
    const cpu = childCpu() - c0 + (ownCpu() - p0);

    c0 = childCpu();
    t0 = performance.now();
    const ref = spawnSync(ffmpegPath()!, [
      ...[
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=1080x1080:rate=${FPS}`,
        '-frames:v',
        String(frames),
      ],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-threads', '1', '-pix_fmt', 'yuv420p'],
      ...['-f', 'mp4', '-y', '/dev/null'],
    ]);
    if (ref.status !== 0) throw new Error(`reference ffmpeg failed: ${ref.stderr}`);
    const refWall = (performance.now() - t0) / 1000;
    const refCpu = childCpu() - c0;

    console.log(
      `## Timelapse encode (1080x1080, ${SECONDS} s at ${FPS} fps = ${frames} frames, ${SEED_TILES} tiles)`,
    );
    console.log(
      `load before: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `timelapse job:        ${(frames / wall).toFixed(1)} frames/s, ${(cpu / SECONDS).toFixed(2)} CPU s per s of video (${wall.toFixed(1)} s wall)`,
    );
    console.log(
      `ffmpeg alone (ref):   ${(frames / refWall).toFixed(1)} frames/s, ${(refCpu / SECONDS).toFixed(2)} CPU s per s of video`,
    );
    console.log(
      `ratio job / ref:      ${(refWall / wall).toFixed(2)}x the speed, ${(cpu / refCpu).toFixed(2)}x the CPU`,
    );

    // Ingest throughput with and without a render.
    const jpegs = await Promise.all(
      Array.from({ length: 2 * UPLOADS }, (_, i) => syntheticJpeg(1600, 1200, 1000 + i)),
    );
    const uploads = async (batch: Buffer[]) => {
      const t = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 2 }, async () => {
          while (next < batch.length) {
            const res = await upload(server.url, batch[next++]!);
            if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
          }
        }),
      );
      return batch.length / ((performance.now() - t) / 1000);
    };
    const quiet = await uploads(jpegs.slice(0, UPLOADS));
    const long = await start(600 / FPS);
    while ((await job(long)).progress === 0) await new Promise((r) => setTimeout(r, 50));
    const busy = await uploads(jpegs.slice(UPLOADS));
    const during = await job(long);
    await api(`/api/admin/jobs/${long}`, { method: 'DELETE' });
    console.log(`## Ingest during a render (${UPLOADS} uploads of 2 MP JPEGs, 2 at a time)`);
    console.log(`no render (ref):      ${quiet.toFixed(1)} uploads/s`);
    console.log(
      `render running:       ${busy.toFixed(1)} uploads/s (the render was ${during.state}, at ${Math.round(during.progress * 100)} %)`,
    );
    console.log(`ratio during / ref:   ${(busy / quiet).toFixed(2)}`);
    console.log(
      `load after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await server.destroy();
  }
}
