/**
 * One case of the poster benchmark, in a process of its own: boots the real server on a seeded
 * data folder, asks it for one file and prints { seconds, baseMb, peakMb, pixels, bytes, megapixels }
 * as JSON (peak = the process's maximum resident set size, which only grows).
 * `EXPORT_MAX` in the path becomes the widest export.png within its 64 MP limit.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';

const [dataDir, rawPath] = process.argv.slice(2) as [string, string];
const app = await createApp({ config: readConfig({ DATA_DIR: dataDir }) });
const url = `http://127.0.0.1:${await app.listen(0, '127.0.0.1')}`;
const { cols, rows } = app.mosaic;
const exportPx = Math.floor(Math.sqrt(64_000_000 / (cols * rows)));
const path = rawPath.replace('EXPORT_MAX', String(Math.min(16384, exportPx * cols)));
const baseMb = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const res = await fetch(url + path);
const body = Buffer.from(await res.arrayBuffer());
const seconds = (performance.now() - t0) / 1000;
if (!res.ok) throw new Error(`${path}: ${res.status} ${body.toString().slice(0, 200)}`);
const peakMb = process.resourceUsage().maxRSS / 1024;
let pixels = res.headers.get('x-poster-pixels');
if (!pixels) {
  const m = await sharp(body).metadata();
  pixels = `${m.width}x${m.height}`;
}
const [w, h] = pixels.split('x').map(Number) as [number, number];
await app.close();
console.log(
  JSON.stringify({ seconds, baseMb, peakMb, pixels, bytes: body.length, megapixels: (w * h) / 1e6 }),
);
process.exit(0);
