/**
 * `npm run backup` while the server runs and takes uploads, then `npm run restore` into a
 * fresh folder: a server started there serves the same mosaic (tiles, cells, seq, images).
 * Both say how far each step is, and a restore that fails leaves nothing half-restored.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { backupStore } from '../../server/store/backup.ts';
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

  it("puts the backup and the restored folder on disk under their names: written to disk, renamed, then the folder holding them fsync'd", async (ctx) => {
    if (spawnSync('strace', ['-V']).status !== 0)
      ctx.skip('strace is not installed (scripts/test-all.sh installs it)');
    const s = await server();
    for (const p of await Promise.all([0, 1].map((i) => syntheticJpeg(480, 360, 720 + i))))
      await upload(s.url, p);
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));
    /** The script's file system calls, as strace saw them in every thread (the fsyncs run on libuv's pool). */
    const traced = (script: string, args: string[]) => {
      const log = join(work, `${script}.strace`);
      const r = spawnSync(
        'strace',
        [
          '-f',
          '-qq',
          '-e',
          'trace=openat,close,fsync,syncfs,rename,renameat,renameat2',
          '-o',
          log,
          process.execPath,
        ].concat(['--import', 'tsx', `scripts/${script}.ts`, ...args]),
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return readFileSync(log, 'utf8').split('\n');
    };
    /** Where `path` was renamed to `to`, and whether it was fsync'd before; whether `folder` was fsync'd after. */
    const durable = (lines: string[], to: string, folder: string) => {
      const renamed = lines.findIndex((l) => /rename/.test(l) && l.includes(`"${to}"`) && / = 0$/.test(l));
      const from = /"([^"]+)"/.exec(lines[renamed] ?? '')?.[1];
      const fsynced = (path: string, range: string[]) => {
        const fds = new Set<string>();
        for (const l of range) {
          const opened = new RegExp(
            `openat\\(AT_FDCWD, "${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}", .* = (\\d+)$`,
          ).exec(l);
          if (opened) fds.add(opened[1]!);
          const closed = /close\((\d+)\) += 0$/.exec(l);
          if (closed) fds.delete(closed[1]!);
          const synced = /fsync\((\d+)\) += 0$/.exec(l);
          if (synced && fds.has(synced[1]!)) return true;
        }
        return false;
      };
      return {
        renamed: renamed >= 0,
        before: from !== undefined && fsynced(from, lines.slice(0, renamed)),
        after: fsynced(folder, lines.slice(renamed + 1)),
      };
    };
    const tarFile = join(work, 'b.tar');
    expect(durable(traced('backup', [tarFile, '--data', s.dataDir]), tarFile, work)).toEqual({
      renamed: true,
      before: true,
      after: true,
    });
    const restored = join(work, 'restored');
    const restoring = traced('restore', [tarFile, '--data', restored]);
    const r = durable(restoring, restored, work);
    expect(r.renamed).toBe(true);
    expect(r.after).toBe(true);
    // Every unpacked file is on disk before the folder takes its name: one syncfs of its file
    // system (coreutils' sync -f, a child process strace follows), not an fsync per tile.
    const renamedAt = restoring.findIndex((l) => /rename/.test(l) && l.includes(`"${restored}"`));
    const syncedAt = restoring.findIndex((l) => /syncfs\(\d+\) += 0$/.test(l));
    expect(syncedAt).toBeGreaterThanOrEqual(0);
    expect(syncedAt).toBeLessThan(renamedAt);
    expect((await mosaicOf(await server(restored))).tileCount).toBe(2);
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

  it('says how far each step is, and the archive step counts to the size of the tar it writes', async () => {
    const s = await server();
    for (let i = 0; i < 6; i++) await upload(s.url, await syntheticJpeg(480, 360, 780 + i));
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));
    const seen: [string, number, number][] = [];
    await backupStore(s.dataDir, join(work, 'b.tar'), (step, done, total) => seen.push([step, done, total]));
    expect([...new Set(seen.map(([step]) => step))]).toEqual(['database', 'tiles', 'archive']);
    for (const step of ['database', 'tiles', 'archive']) {
      const mine = seen.filter(([s]) => s === step);
      // Never backwards, and it ends whole.
      expect(mine.map(([, d]) => d)).toEqual(mine.map(([, d]) => d).sort((a, b) => a - b));
      const [, done, total] = mine.at(-1)!;
      expect(done).toBe(total);
    }
    expect(seen.filter(([s]) => s === 'tiles').at(-1)).toEqual(['tiles', 6, 6]);
    // The archive's total is known before it is written: the tar's own size.
    const archive = seen.filter(([s]) => s === 'archive');
    expect(archive.length).toBeGreaterThan(2);
    expect(archive[0]![2]).toBe(statSync(join(work, 'b.tar')).size);

    // Off a terminal, the commands say each step as a line.
    const backup = await npmScript('backup', [join(work, 'c.tar'), '--data', s.dataDir]);
    expect(backup.output).toMatch(/^backup: copying the database \d+\/\d+ pages \(100 %\)$/m);
    expect(backup.output).toMatch(/^backup: gathering the tiles 6\/6 tiles \(100 %\)$/m);
    expect(backup.output).toMatch(/^backup: writing the archive [\d.]+\/[\d.]+ MB \(100 %\)$/m);
    const restore = await npmScript('restore', [join(work, 'c.tar'), '--data', join(work, 'r')]);
    expect(restore.output).toMatch(/^restore: unpacking [\d.]+\/[\d.]+ MB \(100 %\)$/m);
    expect(restore.output).toMatch(/^restore: checking every tile 6\/6 tiles \(100 %\)$/m);
    expect(restore.output).toMatch(/^restore: writing it to disk 0\.0\/[\d.]+ MB \(0 %\)$/m);
    expect(restore.output).toMatch(/^restore: writing it to disk ([\d.]+)\/\1 MB \(100 %\)$/m);
    expect(restore.output).toMatch(/Restored 6 tiles/);
  }, 30_000);

  it('leaves nothing behind when the backup is cut short or not a backup, and a whole one then restores there', async () => {
    const s = await server();
    for (let i = 0; i < 6; i++) await upload(s.url, await syntheticJpeg(640, 480, 790 + i));
    const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
    cleanup.push(() => removeDir(work));
    const whole = join(work, 'whole.tar');
    expect((await npmScript('backup', [whole, '--data', s.dataDir])).code).toBe(0);
    const bytes = readFileSync(whole);
    // Cut in the tiles, after the database: as a copy that stopped half-way leaves it.
    const cut = join(work, 'cut.tar');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    const dest = join(work, 'restored');
    const r = await npmScript('restore', [cut, '--data', dest]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/restore failed: .*cut\.tar is cut short/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.restoring-'))).toEqual([]);
    // Not a backup at all, into an empty folder made for it: the folder stays empty.
    mkdirSync(dest);
    writeFileSync(join(work, 'notes.tar'), 'these are not the photos');
    const bad = await npmScript('restore', [join(work, 'notes.tar'), '--data', dest]);
    expect(bad.code).toBe(1);
    expect(readdirSync(dest)).toEqual([]);
    const none = await npmScript('restore', [join(work, 'none.tar'), '--data', dest]);
    expect(none.output).toContain(`restore failed: There is no backup at ${join(work, 'none.tar')}.`);
    // The whole backup restores into the same place.
    const ok = await npmScript('restore', [whole, '--data', dest]);
    expect(ok.code, ok.output).toBe(0);
    const restored = await server(dest);
    expect(await mosaicOf(restored)).toEqual(await mosaicOf(s));
  }, 30_000);

  it.skipIf(process.getuid?.() !== 0)(
    'leaves nothing behind on a full disk, the backup nor the restore (a 64 KB tmpfs; mounting one needs root)',
    async () => {
      const s = await server();
      for (let i = 0; i < 4; i++) await upload(s.url, await syntheticJpeg(640, 480, 800 + i));
      const work = mkdtempSync(join(tmpdir(), 'kiss-backup-'));
      const small = join(work, 'small');
      mkdirSync(small);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
      cleanup.push(() => {
        execFileSync('umount', [small]);
        removeDir(work);
      });
      const backup = await npmScript('backup', [join(small, 'b.tar'), '--data', s.dataDir]);
      expect(backup.code).toBe(1);
      expect(backup.output).toContain(
        'backup failed: the disk it writes to is full, and nothing was left of the backup (ENOSPC).',
      );
      expect(readdirSync(small)).toEqual([]);
      expect(readdirSync(s.dataDir).filter((f) => f.startsWith('.backup-'))).toEqual([]);

      const whole = join(work, 'b.tar');
      expect((await npmScript('backup', [whole, '--data', s.dataDir])).code).toBe(0);
      const restore = await npmScript('restore', [whole, '--data', join(small, 'data')]);
      expect(restore.code).toBe(1);
      expect(restore.output).toContain('restore failed: the disk it writes to is full');
      expect(readdirSync(small)).toEqual([]);
    },
    30_000,
  );

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
