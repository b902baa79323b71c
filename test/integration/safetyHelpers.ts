import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach } from 'vitest';
import { removeDir, startServer, type TestServer } from '../support/server.ts';
import { Viewer, type ViewerOptions } from './realtimeHarness.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const JSON_ADMIN = { ...ADMIN, 'content-type': 'application/json' };

/** The real photos in test/fixtures: different pictures as far as the duplicate check goes. */
export const PHOTOS = ['hubble-small.jpg', 'rocket-3mp.jpg', 'astronaut-orient6-gps.jpg'].map((f) =>
  readFileSync(join(import.meta.dirname, '../fixtures', f)),
);

/** Servers and viewers started by a test, closed after it. */
export function useServers() {
  const servers: TestServer[] = [];
  const viewers: Viewer[] = [];
  afterEach(async () => {
    for (const v of viewers.splice(0)) v.close();
    for (const s of servers.splice(0)) {
      await s.close().catch(() => {});
      removeDir(s.dataDir);
    }
  });
  return {
    async start(env: Record<string, string> = {}): Promise<TestServer> {
      const s = await startServer({ ADMIN_TOKEN, ...env });
      servers.push(s);
      return s;
    },
    async viewer(url: string, opts: ViewerOptions = {}): Promise<Viewer> {
      const v = new Viewer(url, opts);
      viewers.push(v);
      await v.connect();
      return v;
    },
  };
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Sends JSON with the admin token. */
export function admin(url: string, path: string, body?: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: JSON_ADMIN,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Decoded RGB pixels of an image answer (so that re-encodes compare by what they show). */
export async function pixels(res: Response): Promise<Buffer> {
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}`);
  return sharp(Buffer.from(await res.arrayBuffer()))
    .removeAlpha()
    .raw()
    .toBuffer();
}

/** The cell (row * cols + col) where the server holds a live tile: what a viewer's mosaic must say. */
export function serverCell(s: TestServer, id: number): number {
  const t = s.app.service.get(id);
  if (!t) throw new Error(`the server has no tile ${id}`);
  return t.row * s.app.service.cols + t.col;
}
