/**
 * Page loads: a crowd opening the viewer at once (a QR code on a rally's screen), or one
 * tile's link shared widely. The server's CPU per page for `/` of a mosaic in pyramid mode and
 * for one `/t/<id>` (each page composed with its view start and first picture, its compressed
 * copies kept while it stays the same bytes), beside two references measured in the same run:
 * `/t/<id>` of a different tile at every request (more than the 256 link pages kept, so each
 * is composed and compressed anew, as every page was before), and `/add`, a page that only names
 * its language's words, served from its copy compressed once per build and language (the floor
 * for a page). The requests come from a child
 * process, 8 at a time over keep-alive connections, accepting brotli as browsers do.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { buildClient } from '../e2e/harness.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, upload } from '../support/server.ts';

const PAGES = Number(process.env.BENCH_PAGES ?? 2000);
const IN_FLIGHT = 8;
const ROUNDS = 3;

/** Tiles seeded for the reference: more than the link pages the server keeps. */
const MANY = 600;

/** The load: run as a child process with the URL and the count. `{i}` in the URL takes 1, 2, ... in turn, then again. */
async function load(template: string, n: number): Promise<void> {
  const { Agent, get } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const url = template.replace('{i}', String((i % MANY) + 1));
      get(url, { agent, headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) await one(next++);
    }),
  );
  agent.destroy();
}

if (process.argv[2] === '--load') {
  load(process.argv[3]!, Number(process.argv[4]))
    .then(() => process.exit(0))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

/** Server CPU (this process) and wall time for `n` loads of `url` from a child process. */
async function measure(url: string, n: number): Promise<{ cpuMs: number; perSecond: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const child = fork(fileURLToPath(import.meta.url), ['--load', url, String(n)], {
    execArgv: ['--import', 'tsx'],
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the load on ${url} failed (exit ${code})`);
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000 / n, perSecond: n / secs };
}

export async function run(): Promise<void> {
  await buildClient();
  const s = await startServer({ VIEW_CELLS_MAX_TILES: '0' });
  try {
    const photos = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ingestPhoto(await syntheticJpeg(640, 480, 90 + i))),
    );
    for (let i = 0; i < MANY; i++)
      await s.app.service.add(photos[i % photos.length]!, { event: null, phash: null });
    const id = ((await (await upload(s.url, await syntheticJpeg(640, 480, 99))).json()) as { id: number }).id;
    // The pyramid publishes a moment after the uploads: wait until the page carries the last seq.
    for (let i = 0; i < 100; i++) {
      const html = await (await fetch(`${s.url}/`)).text();
      if (html.includes(`"seq":${s.app.service.seq}`)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const paths = [
      ['/', 'composed page, compressed once per publish'],
      [`/t/${id}`, "one tile's link page, compressed once per change"],
      ['/t/{i}', 'reference: a different tile each time, compressed per request'],
      ['/add', 'floor: a kept page, compressed once per build and language'],
    ] as const;
    const load0 = loadavg()[0]!;
    const sums = new Map<string, { cpu: number; rate: number }>(paths.map(([p]) => [p, { cpu: 0, rate: 0 }]));
    await measure(`${s.url}/`, 200); // warm-up
    for (let r = 0; r < ROUNDS; r++)
      for (const [path] of paths) {
        const m = await measure(`${s.url}${path}`, PAGES);
        const sum = sums.get(path)!;
        sum.cpu += m.cpuMs / ROUNDS;
        sum.rate += m.perSecond / ROUNDS;
      }
    console.log(
      `\n## Page loads: ${PAGES} loads of each page, ${IN_FLIGHT} at a time from a child process, ${ROUNDS} rounds taking turns (load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)})`,
    );
    for (const [path, what] of paths) {
      const m = sums.get(path)!;
      console.log(
        `${path.padEnd(8)} ${what.padEnd(62)} server CPU ${m.cpu.toFixed(3)} ms a page, ${m.rate.toFixed(0)} pages/s`,
      );
    }
    const home = sums.get('/')!;
    const link = sums.get(`/t/${id}`)!;
    const ref = sums.get('/t/{i}')!;
    const floor = sums.get('/add')!;
    for (const [name, m] of [
      ['/', home],
      [`/t/${id}`, link],
    ] as const)
      console.log(
        `${name} against the per-request reference: CPU ${(m.cpu / ref.cpu).toFixed(2)}x, pages/s ${(m.rate / ref.rate).toFixed(2)}x; against the floor: CPU ${(m.cpu / floor.cpu).toFixed(2)}x`,
      );
  } finally {
    await s.destroy();
  }
}
