/**
 * `npm run backup` while the server runs and takes uploads, then `npm run restore` into a
 * fresh folder: a server started there serves the same mosaic (tiles, cells, seq, images).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { TileFiles } from '../../server/store/tileFiles.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, startServer, type TestServer, upload } from '../support/server.ts';
import { toOldLayout } from '../support/tileLayout.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function npmScript(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return new Promise((r) => child.once('exit', (code) => r({ code, output })));
}

async function server(dataDir?: string): Promise<TestServer> {
  const s = await startServer({}, dataDir);
  cleanup.push(() => s.destroy());
  return s;
}

/** What a viewer can see of a mosaic: geometry, seq, every tile's cell, and its 128 px image. */
async function mosaicOf(s: TestServer) {
  const info = (await (await fetch(`${s.url}/api/mosaic`)).json()) as Record<string, unknown>;
  const cells = s.app.mosaic.placements().sort((a, b) => a.id - b.id);
  const images = await Promise.all(
    cells.map(async (p) =>
      Buffer.from(await (await fetch(`${s.url}/tiles/${p.id}/128.webp`)).arrayBuffer()).toString('base64'),
    ),
  );
  return { cols: info.cols, rows: info.rows, seq: info.seq, tileCount: info.tileCount, cells, images };
}

describe('backup and restore', () => {
  it('backs up a running server while uploads arrive, and restores the same mosaic into a fresh folder', async () => {
    const s = await server();
    const photos = await Promise.all(Array.from({ length: 9 }, (_, i) => syntheticJpeg(480, 360, 700 + i)));
    const ids: number[] = [];
    for (const p of photos.slice(0, 5))
      ids.push(((await (await upload(s.url, p)).json()) as { id: number }).id);
    // A deleted tile stays deleted in the backup.
    const gone = ids[1]!;
    expect(await s.app.mosaic.remove(gone)).toBe(true);
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));

    // Online: uploads keep arriving while the backup runs.
    const busy = Promise.all(photos.slice(5).map((p) => upload(s.url, p)));
    const during = await npmScript('backup', [join(work, 'during.tar'), '--data', s.dataDir]);
    expect(during.code, during.output).toBe(0);
    for (const r of await busy) expect(r.status).toBe(201);

    // The backup taken during the uploads is consistent: every tile in it has its cell and images.
    const d1 = join(work, 'restored-during');
    expect((await npmScript('restore', [join(work, 'during.tar'), '--data', d1])).code).toBe(0);
    const r1 = await server(d1);
    const m1 = await mosaicOf(r1);
    expect(m1.tileCount).toBeGreaterThanOrEqual(4);
    const original = new Map(s.app.mosaic.placements().map((p) => [p.id, p]));
    for (const p of m1.cells) expect(original.get(p.id)).toEqual(p);
    expect(m1.cells.some((p) => p.id === gone)).toBe(false);
    expect(m1.images.every((b) => b.length > 100)).toBe(true);

    // A backup killed half-way left its staging folder (hard links to tile files): the next one removes it.
    const deadPid = spawnSync('true').pid;
    mkdirSync(join(s.dataDir, `.backup-${deadPid}-x`, 'tiles'), { recursive: true });
    // Quiet now: a second backup restores exactly the mosaic the server shows.
    const after = await npmScript('backup', [join(work, 'after.tar'), '--data', s.dataDir]);
    expect(after.output).toMatch(/Backed up 8 tiles \(seq \d+\)/);
    const d2 = join(work, 'restored-after');
    const restored = await npmScript('restore', [join(work, 'after.tar'), '--data', d2]);
    expect(restored.output).toMatch(/Restored 8 tiles/);
    const r2 = await server(d2);
    expect(await mosaicOf(r2)).toEqual(await mosaicOf(s));
    // Nothing of the backup's staging is left in the data folder.
    expect(readdirSync(s.dataDir).filter((f) => f.startsWith('.backup-'))).toEqual([]);
  }, 60_000);

  it('restores a backup of the older layout (format 1, a folder per tile), which the server rewrites at start', async () => {
    const s = await server();
    for (let i = 0; i < 3; i++) await upload(s.url, await syntheticJpeg(400, 300, 770 + i));
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));
    expect((await npmScript('backup', [join(work, 'new.tar'), '--data', s.dataDir])).code).toBe(0);
    // The same backup as the older layout wrote it: tiles/<shard>/<id>/<size>.webp, format 1.
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    await tar.x({ file: join(work, 'new.tar'), cwd: unpacked });
    const files = new TileFiles(join(unpacked, 'tiles'));
    const ids = readdirSync(join(unpacked, 'tiles', '0')).map((n) => Number.parseInt(n, 10));
    expect(ids).toHaveLength(3);
    for (const id of ids) await toOldLayout(files, id);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'backup.json'), 'utf8'));
    writeFileSync(join(unpacked, 'backup.json'), JSON.stringify({ ...manifest, format: 1 }));
    await tar.c({ file: join(work, 'old.tar'), cwd: unpacked, portable: true }, [
      'backup.json',
      'mosaic.db',
      'tiles',
    ]);

    const d = join(work, 'restored');
    const restored = await npmScript('restore', [join(work, 'old.tar'), '--data', d]);
    expect(restored.output).toMatch(/Restored 3 tiles/);
    const r = await server(d);
    expect(await mosaicOf(r)).toEqual(await mosaicOf(s));
    expect(readdirSync(join(d, 'tiles', '0')).sort()).toEqual(ids.map((id) => `${id}.tile`).sort());
  }, 30_000);

  it('refuses to restore over a folder that is not empty', async () => {
    const s = await server();
    await upload(s.url, await syntheticJpeg(400, 300, 760));
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));
    await npmScript('backup', [join(work, 'b.tar'), '--data', s.dataDir]);
    await upload(s.url, await syntheticJpeg(400, 300, 761));
    const r = await npmScript('restore', [join(work, 'b.tar'), '--data', s.dataDir]);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/is not empty/);
  }, 30_000);
});
