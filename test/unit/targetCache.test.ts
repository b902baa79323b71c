import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TARGET } from '../../server/config.ts';
import { Target } from '../../server/ingest/target.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

describe('Target cell features on disk', () => {
  const dir = tempDataDir();
  afterAll(() => removeDir(dir));

  it("keeps a big grid's features between starts, byte for byte, and computes small grids without a file", async () => {
    const cache = join(dir, 'cache');
    const first = await (await Target.open(DEFAULT_TARGET, cache)).cellFeatures(300, 250);
    const files = readdirSync(cache);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^cells-[0-9a-f]{16}-300x250\.f32$/);
    const again = await (await Target.open(DEFAULT_TARGET, cache)).cellFeatures(300, 250);
    expect(Buffer.compare(Buffer.from(again.buffer), Buffer.from(first.buffer))).toBe(0);
    const uncached = await (await Target.open(DEFAULT_TARGET)).cellFeatures(300, 250);
    expect(Buffer.compare(Buffer.from(uncached.buffer), Buffer.from(first.buffer))).toBe(0);
    await (await Target.open(DEFAULT_TARGET, cache)).cellFeatures(40, 40);
    expect(readdirSync(cache)).toHaveLength(1);
    expect(existsSync(join(cache, files[0]!))).toBe(true);
  });

  it('warmCache() writes the file a later cellFeatures() reads, and leaves an existing one alone', async () => {
    const cache = join(dir, 'warm');
    await (await Target.open(DEFAULT_TARGET, cache)).warmCache(280, 240);
    const [file] = readdirSync(cache);
    expect(file).toMatch(/-280x240\.f32$/);
    const stamp = statSync(join(cache, file!)).mtimeMs;
    await (await Target.open(DEFAULT_TARGET, cache)).warmCache(280, 240);
    expect(statSync(join(cache, file!)).mtimeMs).toBe(stamp);
    const read = await (await Target.open(DEFAULT_TARGET, cache)).cellFeatures(280, 240);
    const computed = await (await Target.open(DEFAULT_TARGET)).cellFeatures(280, 240);
    expect(Buffer.compare(Buffer.from(read.buffer), Buffer.from(computed.buffer))).toBe(0);
  });
});
