/**
 * What test/bench/cluster.ts needs around its server processes: spawning a node (the bench
 * entry with the precomputed pipeline, or the real server/index.ts), reading its CPU and RSS
 * from /proc, uploading through POST /api/tiles on a keep-alive agent, and watching the
 * Redis change stream for the moment each seq is committed. Every child is killed when the
 * bench process exits, however it exits.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { decodeLogBatch } from '../../server/cluster/logCodec.ts';
import { createTestDatabase, REDIS_TEST_URL, redisPrefix } from '../support/cluster.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Settings every bench node shares: no per-address limits, no duplicate check. */
export const BENCH_ENV: Record<string, string> = {
  PORT: '0',
  HOST: '127.0.0.1',
  UPLOAD_RATE_LIMIT: '0',
  UPLOAD_DAILY_LIMIT: '0',
  UPLOAD_NETWORK_RATE_LIMIT: '0',
  UPLOAD_NETWORK_DAILY_LIMIT: '0',
  DUPLICATE_CHECK: '0',
  SOCKETS_PER_IP: '0',
};

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  /** When it was spawned and when it printed its `Open` line (ms, the machine's clock). */
  spawnedAt: number;
  listenedAt: number;
  output(): string;
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s). */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `entry` (relative to the repository root) with `env` and resolves once it listens. */
export function spawnServer(
  name: string,
  entry: 'test/bench/_clusterNode.ts' | 'server/index.ts',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Proc> {
  const spawnedAt = now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...BENCH_ENV, NODE_ID: name, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let started = false;
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      children.delete(child);
      r();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return new Promise((resolveProc, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited ${code}: ${out.slice(-2000)}`));
    };
    child.once('exit', onExit);
    child.stderr!.on('data', (d) => {
      out = (out + d).slice(-20_000);
    });
    child.stdout!.on('data', (d) => {
      out = (out + d).slice(-20_000);
      const m = /Open (http:\/\/\S+?)\/ /.exec(out);
      if (!m || started) return;
      started = true;
      const listenedAt = now();
      clearTimeout(timer);
      child.off('exit', onExit);
      resolveProc({
        name,
        child,
        pid: child.pid!,
        url: m[1]!.replace('localhost', '127.0.0.1'),
        spawnedAt,
        listenedAt,
        output: () => out,
        exited,
        async stop(graceMs = 5000) {
          if (!alive()) return;
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

let ticks = 0;
/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  ticks ||= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
}

/** A process's resident set (VmRSS), in MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** GET /api/health. */
export async function health(url: string): Promise<{ role: string; seq: number; term?: number }> {
  return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3000) })).json();
}

/** Polls `check` until it returns something truthy, or throws after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const BOUNDARY = 'benchboundary7MA4YWxkTrZu0gW';
// The bench pipeline ignores the photo: a few bytes stand for it.
const BODY = Buffer.concat([
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="kiss.jpg"\r\n` +
      'Content-Type: image/jpeg\r\n\r\n',
  ),
  Buffer.alloc(64, 0xff),
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
]);

export interface Upload {
  status: number;
  seq: number;
  sentAt: number;
  doneAt: number;
}

/** One POST /api/tiles; status 0 when the connection failed. Never rejects. */
export function upload(url: string, timeoutMs = 30_000): Promise<Upload> {
  const sentAt = now();
  return new Promise((done) => {
    const finish = (status: number, seq = -1) => done({ status, seq, sentAt, doneAt: now() });
    const req = request(
      `${url}/api/tiles`,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: {
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': BODY.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let seq = -1;
          if (res.statusCode === 201) {
            try {
              seq = JSON.parse(Buffer.concat(chunks).toString()).seq;
            } catch {
              // counted as placed, without a seq
            }
          }
          finish(res.statusCode ?? 0, seq);
        });
        res.on('error', () => finish(0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(0));
    req.end(BODY);
  });
}

/** Drops the keep-alive connections (before a node is killed or between parts). */
export function dropConnections(): void {
  agent.destroy();
}

/**
 * Follows the cluster's Redis change stream and stamps the moment each seq's entry is read:
 * the placer adds it right after its commit, so this is the commit time as seen one Redis
 * round trip later.
 */
export class StreamWatch {
  readonly seen = new Map<number, number>();
  private stopped = false;
  private readonly redis: Redis;
  private readonly done: Promise<void>;

  constructor(redisUrl: string, key: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    this.redis.on('error', () => {});
    this.done = this.follow(key);
  }

  private async follow(key: string): Promise<void> {
    let last = '$';
    while (!this.stopped) {
      const res = (await this.redis.xreadBuffer('BLOCK', 500, 'STREAMS', key, last).catch(() => null)) as
        | [Buffer, [Buffer, Buffer[]][]][]
        | null;
      const t = now();
      for (const [, entries] of res ?? []) {
        for (const [id, fields] of entries) {
          last = id.toString();
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i]!.toString() !== 'b') continue;
            for (const c of decodeLogBatch(fields[i + 1]!))
              if (!this.seen.has(c.seq)) this.seen.set(c.seq, t);
          }
        }
      }
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.redis.disconnect();
  }
}

/** The p-th fraction of sorted numbers. */
export function pct(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : Number.NaN;
}

export const median = (xs: readonly number[]): number =>
  pct(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/**
 * Uploads at `rate` a second for `seconds` over `urls` in turn (catching up when the loop
 * was late), at most `maxInFlight` at once (a slot that finds none free is skipped and
 * counted); appends each answer to `out` and resolves once every upload is answered.
 */
export async function uploadAtRate(
  urls: readonly string[],
  rate: number,
  seconds: number,
  out: Upload[],
  maxInFlight = 256,
): Promise<{ skipped: number }> {
  const start = now();
  const total = Math.round(rate * seconds);
  const pending = new Set<Promise<void>>();
  let launched = 0;
  let skipped = 0;
  while (launched < total) {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate) + 1);
    while (launched < due) {
      const url = urls[launched++ % urls.length]!;
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const p: Promise<void> = upload(url).then((u) => {
        out.push(u);
        pending.delete(p);
      });
      pending.add(p);
    }
    await sleep(4);
  }
  await Promise.all(pending);
  return { skipped };
}

export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  lost: number;
  got: number;
}
export interface ViewersResult {
  clientCpu: number;
  commit: LatencyStats;
  sent: LatencyStats;
  gaps: number;
  dups: number;
  behind: number;
  closed: number;
  frames: number;
}

/** The light viewers (test/bench/_clusterClients.ts) in a child process of their own. */
export class Viewers {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor() {
    this.child = fork(resolve(import.meta.dirname, '_clusterClients.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(this.child);
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  private ask<T>(msg: object, reply: string, timeoutMs: number): Promise<T> {
    return new Promise((resolveReply, reject) => {
      const t = setTimeout(() => done(new Error(`viewers: no ${reply} in ${timeoutMs} ms`)), timeoutMs);
      const onMsg = (m: { type: string; message?: string }) => {
        if (m.type === reply) done(null, m as T);
        else if (m.type === 'error') done(new Error(`viewers: ${m.message}`));
      };
      const onExit = (code: number | null) => done(new Error(`viewers exited with ${code}`));
      const done = (e: Error | null, v?: T) => {
        clearTimeout(t);
        this.child.off('message', onMsg);
        this.child.off('exit', onExit);
        if (e) reject(e);
        else resolveReply(v!);
      };
      this.child.on('message', onMsg);
      this.child.once('exit', onExit);
      this.child.send(msg);
    });
  }

  /** Connects `viewers` over `urls` in turn; `base`..`base + cap - 1` are the seqs stamped. */
  connect(urls: readonly string[], viewers: number, base: number, cap: number) {
    return this.ask<{ connectS: number }>({ type: 'connect', urls, viewers, base, cap }, 'ready', 180_000);
  }

  mark() {
    return this.ask<{ frames: number; bytes: number; closed: number }>({ type: 'mark' }, 'mark', 30_000);
  }

  finish(commits: [number, number][], sent: [number, number][], finalSeq: number) {
    return this.ask<ViewersResult>({ type: 'finish', commits, sent, finalSeq }, 'result', 120_000);
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** A fresh database and key prefix for `fn`, removed afterwards whatever happens. */
export async function withClusterEnv<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  const redis = redisPrefix();
  try {
    return await fn({ DATABASE_URL: db.url, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: redis.prefix });
  } finally {
    dropConnections();
    await db.drop().catch((e) => console.error('  could not drop the bench database:', e.message));
    await redis.clean();
  }
}
