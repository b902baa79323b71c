/**
 * Page loads: a crowd opening the viewer at once (a QR code on a rally's screen). The server's
 * CPU per page for `/` of a mosaic in pyramid mode (the page composed with its view start and
 * first picture, then compressed), beside two references measured in the same run:
 * `/t/<id>`, a page composed and compressed anew for every request (as `/` was before its
 * composed copy was kept until the pyramid publishes again), and `/add`, a page served as
 * built from its precompressed file (the floor for a page). The requests come from a child
 * process, 8 at a time over keep-alive connections, accepting brotli as browsers do.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildClient } from '../e2e/harness.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, upload } from '../support/server.ts';

const PAGES = Number(process.env.BENCH_PAGES ?? 2000);
const IN_FLIGHT = 8;
const ROUNDS = 3;

/** The load: run as a child process with the URL and the count. */
async function load(url: string, n: number): Promise<void> {
  const { Agent, get } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      get(url, { agent, headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) await one();
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
    let id = 0;
    for (let i = 0; i < 4; i++)
      id = ((await (await upload(s.url, await syntheticJpeg(640, 480, 90 + i))).json()) as { id: number }).id;
    // The pyramid publishes a moment after the uploads: wait until the page carries the last seq.
    for (let i = 0; i < 100; i++) {
      const html = await (await fetch(`${s.url}/`)).text();
      if (html.includes(`"seq":${s.app.service.seq}`)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const paths = [
      ['/', 'composed page, kept until the pyramid publishes'],
      [`/t/${id}`, 'reference: composed and compressed per request'],
      ['/add', 'floor: a page served as built, precompressed'],
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
        `${path.padEnd(8)} ${what.padEnd(52)} server CPU ${m.cpu.toFixed(3)} ms a page, ${m.rate.toFixed(0)} pages/s`,
      );
    }
    const home = sums.get('/')!;
    const ref = sums.get(`/t/${id}`)!;
    const floor = sums.get('/add')!;
    console.log(
      `/ against the per-request reference: CPU ${(home.cpu / ref.cpu).toFixed(2)}x, pages/s ${(home.rate / ref.rate).toFixed(2)}x; against the floor: CPU ${(home.cpu / floor.cpu).toFixed(2)}x`,
    );
  } finally {
    await s.destroy();
  }
}
