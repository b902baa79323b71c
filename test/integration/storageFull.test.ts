/**
 * A full disk: the server runs on a 20 MB tmpfs (mounting one needs root; the test is skipped
 * with a message otherwise), which is then filled. Uploads get 507 STORAGE_FULL, never a 500,
 * no half-written tile stays behind, and once space is freed uploads work without a restart.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { listFiles, startServer, upload } from '../support/server.ts';
import { ADMIN_TOKEN } from './safetyHelpers.ts';

const root = mkdtempSync(join(tmpdir(), 'kiss-full-'));
let mounted = false;
try {
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', root]);
    mounted = true;
  }
} catch (e) {
  console.warn(`storage-full tests skipped: could not mount a tmpfs (${(e as Error).message})`);
}
if (!mounted) console.warn('storage-full tests skipped: mounting a tmpfs needs root');

const free = (dir: string) => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

/** Writes a file that leaves `leave` bytes free (0: until the disk refuses). */
function fill(dir: string, leave: number): string {
  const file = join(dir, `filler-${Date.now()}`);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 7);
  try {
    for (let left = free(dir) - leave; left > 0; left -= chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, left));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Anything in the tile folder but a tile's whole file: temp files, and files whose sizes do not add up to their header. */
function halfWritten(dataDir: string): string[] {
  return listFiles(join(dataDir, 'tiles')).filter((f) => {
    if (!/^\d+\/\d+\.tile$/.test(f)) return true;
    const data = readFileSync(join(dataDir, 'tiles', f));
    if (data.length < 16 || data.toString('latin1', 0, 4) !== 'KTF1') return true;
    const sizes = [4, 8, 12].map((at) => data.readUInt32LE(at));
    const webps = 16 + sizes.reduce((a, b) => a + b);
    // The 128 and 512 px WebPs (no 32 px one: that size is kept as raw pixels only), then the
    // tagged raw 32 px pixels: nothing missing, nothing cut short.
    const whole =
      data.length === webps + 4 + 32 * 32 * 3 && data.toString('latin1', webps, webps + 4) === 'RGB3';
    return sizes[0] !== 0 || sizes[1] === 0 || sizes[2] === 0 || !whole;
  });
}

const errorCode = async (r: Response) =>
  ((await r.json()) as { error: { code: string; message: string } }).error;

describe.skipIf(!mounted)('a full disk', () => {
  let photos: Buffer[];
  beforeAll(async () => {
    photos = await Promise.all([1, 2, 3, 4, 5].map((i) => syntheticJpeg(900, 700, 500 + i)));
  });
  afterAll(() => {
    // umount fails ("target is busy") if a stopped server left a file open on the full disk.
    if (mounted) execFileSync('umount', [root]);
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses with 507 when a write meets ENOSPC, leaves nothing half-written, and recovers without a restart', async () => {
    const dataDir = join(root, 'enospc');
    mkdirSync(dataDir);
    const s = await startServer({ MIN_FREE_MB: '0', ADMIN_TOKEN }, dataDir);
    try {
      expect((await upload(s.url, photos[0]!)).status).toBe(201);
      const filler = fill(root, 0);
      const refused = await upload(s.url, photos[1]!);
      expect(refused.status).toBe(507);
      expect((await errorCode(refused)).code).toBe('STORAGE_FULL');
      const form = new FormData();
      form.set('photo', new Blob([new Uint8Array(photos[2]!)]), 'p.jpg');
      const imported = await fetch(`${s.url}/api/admin/import`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(imported.status).toBe(507);
      // The command's way: the photo as the whole body.
      const raw = await fetch(`${s.url}/api/admin/import`, {
        method: 'POST',
        body: new Uint8Array(photos[2]!),
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      });
      expect(raw.status).toBe(507);
      expect((await errorCode(raw)).code).toBe('STORAGE_FULL');
      expect(halfWritten(dataDir)).toEqual([]);
      expect(s.app.mosaic.tileCount).toBe(1);

      rmSync(filler);
      const again = await upload(s.url, photos[1]!);
      expect(again.status).toBe(201);
      expect(s.app.mosaic.tileCount).toBe(2);
      expect(halfWritten(dataDir)).toEqual([]);
    } finally {
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses below MIN_FREE_MB before anything is written, warns at 90 %, and takes uploads again once space is freed', async () => {
    const dataDir = join(root, 'reserve');
    mkdirSync(dataDir);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = await startServer({ MIN_FREE_MB: '2' }, dataDir);
    try {
      expect((await upload(s.url, photos[3]!)).status).toBe(201);
      const filler = fill(root, 1.5 * 1048576);
      await new Promise((r) => setTimeout(r, 1100)); // the free-space figure is cached for a second
      const refused = await upload(s.url, photos[4]!);
      expect(refused.status).toBe(507);
      const err = await errorCode(refused);
      expect(err.code).toBe('STORAGE_FULL');
      expect(err.message).toMatch(/out of disk space/);
      expect(warn.mock.calls.flat().join('\n')).toMatch(/storage: the data folder's disk .* is 9\d % full/);
      expect(s.app.mosaic.tileCount).toBe(1);

      rmSync(filler);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await upload(s.url, photos[4]!)).status).toBe(201);
      expect(halfWritten(dataDir)).toEqual([]);
    } finally {
      warn.mockRestore();
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
