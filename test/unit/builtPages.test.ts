import { utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { BuiltPages, clientRoutes } from '../../server/http/clientRoutes.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

it('reads a built page once, again when a new build replaces it, and answers null for one not built', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const file = join(dir, 'index.html');
  writeFileSync(file, '<p>first build</p>');
  utimesSync(file, 1_000, 1_000);
  const pages = new BuiltPages();
  expect(await pages.read(file)).toBe('<p>first build</p>');
  const text = await pages.read(file);
  expect(await pages.read(file)).toBe(text);
  writeFileSync(file, '<p>second build</p>');
  utimesSync(file, 2_000, 2_000);
  expect(await pages.read(file)).toBe('<p>second build</p>');
  expect(await pages.read(join(dir, 'missing.html'))).toBeNull();
  // Anything but a missing file is still an error.
  await expect(pages.read(join(file, 'under-a-file.html'))).rejects.toThrow(/ENOTDIR/);
});

it('answers a page of a client not built yet with a 503 that says how to build it, and serves it once built', async () => {
  const dir = tempDataDir();
  dirs.push(dir);
  const app = express().use(clientRoutes(dir));
  const server = app.listen(0);
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = await fetch(`${url}/add`);
    expect(before.status).toBe(503);
    expect(await before.text()).toMatch(/npm run build/);
    writeFileSync(join(dir, 'add.html'), '<p>add a tile</p>');
    const after = await fetch(`${url}/add`);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('<p>add a tile</p>');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
