import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BuiltPages } from '../../server/http/clientRoutes.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

it('reads a built page once, and again when a new build replaces it', async () => {
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
  await expect(pages.read(join(dir, 'missing.html'))).rejects.toThrow(/ENOENT/);
});
