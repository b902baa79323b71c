/**
 * Fan-out benchmark: 1,000 socket.io-client viewers in a separate process on 127.0.0.1,
 * tiles placed at 50/s, latency from the server's commit to each viewer's receipt
 * (p50 / p99 / max), server CPU and RSS. Run twice in the same process: the real layer
 * (attachRealtime: binary batches) and a reference that emits one JSON event per placement,
 * unbatched. Target: p99 < 100 ms on a 2-core machine.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Server } from 'socket.io';
import { attachRealtime } from '../../server/realtime/attachRealtime.ts';
import { packRgb } from '../../shared/protocol.ts';
import { MemoryLiveSource } from '../support/MemoryLiveSource.ts';

const VIEWERS = Number(process.env.FANOUT_VIEWERS ?? 1000);
const RATE = 50;
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 15);
const PRELOADED = 2000;
const WARMUP_SECONDS = 1;
const now = () => performance.timeOrigin + performance.now();
const mb = (b: number) => (b / 1048576).toFixed(0);
/** RSS after a full GC when the runner exposes it (run.ts passes --expose-gc). */
const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};

interface Result {
  p50: number;
  p99: number;
  max: number;
  lost: number;
  got: number;
  cpu: number;
  clientCpu: number;
  rssIdle: number;
  rssViewers: number;
  connectS: number;
}

/** The naive reference: one JSON event per placement, emitted as it is committed. */
function attachJsonReference(http: HttpServer, source: MemoryLiveSource): { close(): Promise<void> } {
  const io = new Server(http, { serveClient: false, maxHttpBufferSize: 4096 });
  const off = source.subscribe((changes) => {
    for (const c of changes) {
      if (c.type !== 'placed') continue;
      io.emit('tile:placed', { ...c, rgb: packRgb(c.rgb[0], c.rgb[1], c.rgb[2]) });
    }
  });
  return {
    async close() {
      off();
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}

function waitFor<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type: string; message?: string }) => {
      if (m.type === type) {
        child.off('message', onMsg);
        resolve(m as T);
      } else if (m.type === 'error') reject(new Error(m.message));
    };
    child.on('message', onMsg);
    child.once('exit', (code) => code && reject(new Error(`clients exited with ${code}`)));
  });
}

/** Places RATE tiles a second for `seconds`, catching up if the loop was late; appends commit times. */
function drive(source: MemoryLiveSource, seconds: number, commits: number[]): Promise<number[]> {
  const total = commits.length + RATE * seconds;
  const start = now();
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, total - RATE * seconds + Math.floor(((now() - start) / 1000) * RATE) + 1);
      while (commits.length < due) {
        commits.push(now());
        source.place();
      }
      if (commits.length >= total) resolve(commits);
      else setTimeout(tick, 2);
    };
    tick();
  });
}

async function runOnce(mode: 'binary' | 'json'): Promise<Result> {
  const source = new MemoryLiveSource(100, 100);
  for (let i = 0; i < PRELOADED; i++) source.place();
  const http = createServer();
  const layer =
    mode === 'binary' ? attachRealtime(http, source, { log: () => {} }) : attachJsonReference(http, source);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const rssIdle = rss();
  const seqBase = source.seq + 1;
  const child = fork(
    fileURLToPath(new URL('./fanoutClients.ts', import.meta.url)),
    [url, mode, String(VIEWERS), String(seqBase), String(RATE * (SECONDS + WARMUP_SECONDS) + 10)],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  try {
    const t0 = now();
    await waitFor(child, 'ready');
    const connectS = (now() - t0) / 1000;
    const rssViewers = rss();
    // One warm-up second (JIT, first batches) is placed but not counted.
    const commits = await drive(source, WARMUP_SECONDS, []);
    const cpu0 = process.cpuUsage();
    const w0 = now();
    await drive(source, SECONDS, commits);
    await new Promise((r) => setTimeout(r, 1500));
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000 / (now() - w0);
    const done = waitFor<Omit<Result, 'cpu' | 'rssIdle' | 'rssViewers' | 'connectS'>>(child, 'result');
    child.send({ type: 'finish', commits, skip: RATE * WARMUP_SECONDS });
    return { ...(await done), cpu, rssIdle, rssViewers, connectS };
  } finally {
    child.kill();
    await layer.close();
    await new Promise((r) => http.close(r));
  }
}

function line(name: string, r: Result): string {
  return (
    `  ${name}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ` +
    `lost ${r.lost}/${r.lost + r.got}, server CPU ${(r.cpu * 100).toFixed(0)}%, viewers' process CPU ${(r.clientCpu * 100).toFixed(0)}%, ` +
    `RSS ${mb(r.rssIdle)} -> ${mb(r.rssViewers)} MB with ${VIEWERS} viewers ` +
    `(+${((r.rssViewers - r.rssIdle) / VIEWERS / 1024).toFixed(0)} KB/viewer), connect ${r.connectS.toFixed(1)} s`
  );
}

export async function run(): Promise<void> {
  console.log(
    `fanout: ${VIEWERS} socket.io-client viewers in a child process on 127.0.0.1, ${RATE} placements/s for ${SECONDS} s ` +
      `(+${WARMUP_SECONDS} s warm-up), commit -> receipt; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  const bin = await runOnce('binary');
  console.log(line('binary batches (attachRealtime, <=25 ms window)', bin));
  const json = await runOnce('json');
  console.log(line('reference: one JSON event per placement        ', json));
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `  binary/reference: p50 ${ratio(bin.p50, json.p50)}x, p99 ${ratio(bin.p99, json.p99)}x, max ${ratio(bin.max, json.max)}x, ` +
      `server CPU ${ratio(bin.cpu, json.cpu)}x; target p99 < 100 ms: ${bin.p99 < 100 ? 'met' : 'MISSED'}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
