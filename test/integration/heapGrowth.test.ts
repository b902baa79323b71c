/**
 * The server sets V8's heap growth at start (HEAP_GROWTH_PERCENT): V8 reports the limit it sets,
 * and the factor it used, after each full collection (--trace-gc-verbose), so a real server in a child process,
 * collected once, shows whether the setting took.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, tempDataDir } from '../support/server.ts';

const ROOT = join(import.meta.dirname, '../..');

function factorsAfterStart(env: Record<string, string>): string[] {
  const dir = tempDataDir();
  try {
    const script = `
      const { createApp } = await import('./server/app.ts');
      const { readConfig } = await import('./server/config.ts');
      const app = await createApp({ config: readConfig(${JSON.stringify({ DATA_DIR: dir, MOSAIC_COLS: '16', MOSAIC_ROWS: '16', ...env })}) });
      globalThis.gc();
      await app.close();`;
    const out = spawnSync(
      process.execPath,
      ['--expose-gc', '--trace-gc-verbose', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(out.status, out.stderr).toBe(0);
    return [...out.stdout.matchAll(/\[HeapController\] Limit: .*\(([0-9.]+)\)/g)].map((m) => m[1]!);
  } finally {
    removeDir(dir);
  }
}

describe('heap growth', () => {
  it('makes V8 grow the heap by the configured factor after a full collection', () => {
    expect(factorsAfterStart({}).at(-1)).toBe('3.0'); // the default, 200 %
    expect(factorsAfterStart({ HEAP_GROWTH_PERCENT: '150' }).at(-1)).toBe('2.5');
  }, 120_000);
});
