import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type App, createApp } from '../../server/app.ts';
import { readConfig } from '../../server/config.ts';

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  /** Stops the server and keeps its data folder (restart and crash tests reopen it). */
  close(): Promise<void>;
  /** Stops the server and removes its data folder. */
  destroy(): Promise<void>;
}

/** A server in a child process (`server/index.ts`, as `npm run serve` starts it), to be killed as a crash would. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

/**
 * Boots the real server as a child process on `dataDir` (embedded store, port 0, an 8 × 8
 * mosaic, no upload limit or duplicate check unless `env` says otherwise); resolves once it listens.
 */
export function bootServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      MOSAIC_COLS: '8',
      MOSAIC_ROWS: '8',
      UPLOAD_RATE_LIMIT: '0',
      DUPLICATE_CHECK: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Open (http:\/\/\S+?)\/ /.exec(out);
      if (m) res({ child, exited, url: m[1]!.replace('localhost', '127.0.0.1') });
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => rej(new Error(`server exited ${code}: ${out}`)));
  });
}

/** A fresh data folder under the OS temp dir. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'kiss-mosaic-'));
}

/** Boots the real server (SQLite in a temp data dir unless given) on port 0, or on `port`. */
export async function startServer(
  env: Record<string, string> = {},
  dataDir = tempDataDir(),
  port = 0,
): Promise<TestServer> {
  const config = readConfig({
    DATA_DIR: dataDir,
    MOSAIC_COLS: '8',
    MOSAIC_ROWS: '8',
    UPLOAD_RATE_LIMIT: '0',
    DUPLICATE_CHECK: '0',
    ...env,
  });
  const app = await createApp({ config });
  const bound = await app.listen(port, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${bound}`,
    dataDir,
    close: () => app.close(),
    destroy: async () => {
      await app.close();
      removeDir(dataDir);
    },
  };
}

/** Every file under a folder (recursively), relative paths. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, join(rel, n));
      else out.push(join(rel, n));
    }
  };
  walk(dir, '');
  return out;
}

export function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

/** POSTs a photo as the contribute page does: multipart, with its Idempotency-Key. */
export function uploadWithKey(url: string, photo: Buffer | Uint8Array, key: string): Promise<Response> {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'kiss.jpg');
  return fetch(`${url}/api/tiles`, { method: 'POST', body: form, headers: { 'Idempotency-Key': key } });
}

/** POSTs a photo as multipart/form-data. */
export async function upload(
  url: string,
  photo: Buffer | Uint8Array,
  fields: Record<string, string> = {},
  filename = 'photo.jpg',
  type = 'image/jpeg',
): Promise<Response> {
  const form = new FormData();
  form.set('photo', new Blob([new Uint8Array(photo)], { type }), filename);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return fetch(`${url}/api/tiles`, { method: 'POST', body: form });
}
