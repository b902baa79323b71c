/**
 * The embedded default loads no cluster client: a real server started without DATABASE_URL, in
 * a child process of its own, has not loaded pg or ioredis (CommonJS packages, so each module
 * they load is in Node's require cache). The same child then loads pg itself, which shows the
 * check sees a loaded package.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { removeDir, tempDataDir } from '../support/server.ts';

const ROOT = join(import.meta.dirname, '../..');

it('an embedded server loads neither pg nor ioredis', () => {
  const dir = tempDataDir();
  try {
    const script = `
      const { createRequire } = await import('node:module');
      const { createApp } = await import('./server/app.ts');
      const { readConfig } = await import('./server/config.ts');
      const loaded = () => {
        const keys = Object.keys(createRequire(import.meta.url).cache);
        return Object.fromEntries(['pg', 'ioredis'].map((p) => [p, keys.some((k) => k.includes('/node_modules/' + p + '/'))]));
      };
      const app = await createApp({ config: readConfig(${JSON.stringify({ DATA_DIR: dir, MOSAIC_COLS: '16', MOSAIC_ROWS: '16' })}) });
      await app.listen(0, '127.0.0.1');
      const serving = loaded();
      await app.close();
      await import('pg');
      console.log(JSON.stringify({ serving, afterImport: loaded() }));`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const got = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    expect(got).toEqual({
      serving: { pg: false, ioredis: false },
      afterImport: { pg: true, ioredis: false },
    });
  } finally {
    removeDir(dir);
  }
}, 60_000);
