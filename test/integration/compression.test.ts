/**
 * Compressed answers over real HTTP: the built client's precompressed siblings by
 * Accept-Encoding, and the snapshot compressed on the fly. Requests go through node:http,
 * which (unlike fetch) hands back the bytes as sent.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient, DIST } from '../../scripts/buildClient.ts';
import { MANIFEST_FILE, TABLE_MODULES } from '../../server/http/pageLanguage.ts';
import { snapshotRoute } from '../../server/http/snapshotRoute.ts';
import { encodeCellsFrame } from '../../shared/protocol.ts';
import { startServer, type TestServer } from '../support/server.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(r: Raw): Buffer {
  const coding = r.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(r.body);
  if (coding === 'gzip') return gunzipSync(r.body);
  expect(coding).toBeUndefined();
  return r.body;
}

const CLIENT = join(DIST, 'client');
let server: TestServer;

beforeAll(async () => {
  await buildClient({ logLevel: 'warn' });
  server = await startServer();
});

afterAll(async () => {
  await server?.destroy();
});

describe('the built client', () => {
  /** The viewer's biggest script, named by its hash. */
  const script = (): string => {
    const html = readFileSync(join(CLIENT, 'index.html'), 'utf8');
    const names = [...html.matchAll(/\/assets\/([\w-]+\.js)/g)].map((m) => m[1]!);
    return names.sort(
      (a, b) =>
        readFileSync(join(CLIENT, 'assets', b)).length - readFileSync(join(CLIENT, 'assets', a)).length,
    )[0]!;
  };

  it.each([
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0.5, br;q=0.4', 'gzip'],
    ['identity', undefined],
    ['', undefined],
  ])(
    'answers a script asked with Accept-Encoding %j in %s, whole and with its headers',
    async (ae, coding) => {
      const name = script();
      const original = readFileSync(join(CLIENT, 'assets', name));
      const r = await get(`${server.url}/assets/${name}`, ae ? { 'accept-encoding': ae } : {});
      expect(r.status).toBe(200);
      expect(r.headers['content-encoding']).toBe(coding);
      expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(r.headers.vary).toMatch(/accept-encoding/i);
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      if (coding) expect(r.body.length).toBeLessThan(original.length / 2);
      expect(decoded(r).equals(original)).toBe(true);
    },
  );

  it('answers pages compressed and uncached, HEAD with the same headers, and ranges only uncompressed', async () => {
    // The page as built, with its language's words (English: the request names none) after its script.
    const manifest = JSON.parse(readFileSync(join(CLIENT, MANIFEST_FILE), 'utf8')) as Record<
      string,
      { file: string }
    >;
    const original = Buffer.from(
      readFileSync(join(CLIENT, 'index.html'), 'utf8').replace(
        /<script type="module" crossorigin src="[^"]+"><\/script>/,
        (tag) =>
          `${tag}\n    <link rel="modulepreload" crossorigin href="/${manifest[TABLE_MODULES.en]!.file}">`,
      ),
    );
    const page = await get(`${server.url}/`, { 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.vary).toMatch(/accept-encoding/i);
    expect(page.headers.vary).toMatch(/accept-language/i);
    expect(decoded(page).toString()).toBe(original.toString());
    expect((await get(`${server.url}/`, {})).body.toString()).toBe(original.toString());

    const head = await get(`${server.url}/`, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(page.headers['content-length']);
    expect(head.headers['content-encoding']).toBe('br');

    const name = script();
    const range = { range: 'bytes=0-99' };
    const encoded = await get(`${server.url}/assets/${name}`, { ...range, 'accept-encoding': 'gzip' });
    expect(encoded.status).toBe(200);
    expect(decoded(encoded).equals(readFileSync(join(CLIENT, 'assets', name)))).toBe(true);
    const plain = await get(`${server.url}/assets/${name}`, range);
    expect(plain.status).toBe(206);
    expect(plain.body.length).toBe(100);
  });
});

describe('the snapshot', () => {
  it('decodes to the same frame compressed and not; small ones go as they are', async () => {
    const cols = 120;
    const rows = 100;
    const n = cols * rows;
    const cellId = new Uint32Array(n).map((_, i) => ((i * 7919) % n) + 1);
    const cellTint = new Int16Array(3 * n).map((_, i) => (i % 23) - 11);
    const cellRgb = new Uint32Array(n).map((_, i) => (i * 2654435761) >>> 8);
    const bytes = encodeCellsFrame('snapshot', { seq: 42, cols, rows, cellId, cellTint, cellRgb });
    const app = express().use(snapshotRoute(() => ({ seq: 42, epoch: 7, bytes })));
    const http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/mosaic/snapshot`;
    try {
      for (const [ae, coding] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
        ['identity', undefined],
      ] as const) {
        const r = await get(url, { 'accept-encoding': ae });
        expect(r.headers['content-encoding']).toBe(coding);
        expect(r.headers['content-type']).toBe('application/octet-stream');
        expect(r.headers.vary).toMatch(/accept-encoding/i);
        expect(r.headers['x-mosaic-seq']).toBe('42');
        expect(Number(r.headers['content-length'])).toBe(r.body.length);
        if (coding) expect(r.body.length).toBeLessThan(bytes.length);
        expect(decoded(r).equals(Buffer.from(bytes))).toBe(true);
      }
    } finally {
      http.close();
    }

    // The real server's 8x8 mosaic: an answer under 1 KB stays uncompressed.
    const small = await get(`${server.url}/api/mosaic/snapshot`, { 'accept-encoding': 'br, gzip' });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toMatch(/accept-encoding/i);
  });
});
