import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
// The tests' own clients read int8 columns (ids, seqs, times) as numbers, as the server's do:
// server/cluster/pgData.ts sets pg's parser when it loads.
import '../../server/cluster/pgData.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** The machine's PostgreSQL and Redis (see the README's test section). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A database of its own for one test file, dropped by `drop()`. */
export async function createTestDatabase(
  adminUrl = PG_ADMIN_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kiss_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A Redis key prefix of its own; `clean()` deletes every key under it. */
export function redisPrefix(url = REDIS_TEST_URL): { prefix: string; clean(): Promise<void> } {
  const prefix = `kisstest:${randomBytes(5).toString('hex')}:`;
  return {
    prefix,
    async clean() {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await r.connect();
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await r.del(...keys);
        } while (cursor !== '0');
      } catch {
        // Redis is gone (an outage test stopped its own): nothing to clean there.
      } finally {
        r.disconnect();
      }
    },
  };
}

/** A server process of the cluster, on its own port. */
export interface NodeProcess {
  child: ChildProcess;
  url: string;
  name: string;
  /** Everything it printed. */
  output(): string;
  exited: Promise<number | null>;
  /** Asks it to stop (SIGTERM) and waits. */
  stop(): Promise<void>;
}

/** Starts `server/index.ts` as a child process with `env` and resolves once it listens. */
export function spawnNode(
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      NODE_ID: name,
      UPLOAD_RATE_LIMIT: '0',
      DUPLICATE_CHECK: '0',
      MOSAIC_COLS: '8',
      MOSAIC_ROWS: '8',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveNode, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = /Open (http:\/\/\S+?)\/ /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveNode({
          child,
          name,
          url: m[1]!.replace('localhost', '127.0.0.1'),
          output: () => out,
          exited,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGCONT');
              child.kill('SIGTERM');
              const t = setTimeout(() => child.kill('SIGKILL'), 5000);
              await exited;
              clearTimeout(t);
            }
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited ${code}: ${out}`));
    });
  });
}

/** GET /api/health of a node. */
export async function health(
  url: string,
): Promise<{ role: string; node: string; seq: number; epoch: number; term: number; fenced: number }> {
  return (await fetch(`${url}/api/health`)).json();
}

/** Waits until `check` returns a value (not undefined/false), polling every `everyMs`. */
export async function until<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Cluster nodes on a database and key prefix of their own, with a client on the database. */
export interface TestCluster {
  nodes: NodeProcess[];
  sql: pg.Client;
  /** The nodes' Redis key prefix. */
  redisPrefix: string;
  /** Stops the nodes, drops the database and deletes the keys. */
  close(): Promise<void>;
}

/** Starts one node per name (in parallel) on a fresh database and Redis key prefix. */
export async function startTestCluster(
  names: string[],
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const db = await createTestDatabase();
  const redis = redisPrefix();
  const base = { DATABASE_URL: db.url, REDIS_URL: REDIS_TEST_URL, REDIS_PREFIX: redis.prefix, ...env };
  const nodes = await Promise.all(names.map((n) => spawnNode(n, base)));
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  return {
    nodes,
    sql,
    redisPrefix: redis.prefix,
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
      await sql.end().catch(() => {});
      await db.drop();
      await redis.clean();
    },
  };
}
