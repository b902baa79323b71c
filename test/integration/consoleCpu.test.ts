/**
 * The console's ingest CPU: the image threads' (libvips workers and the libuv pool), read per
 * thread from /proc, beside the whole process's. Idle, it stays near nothing; while photos are
 * imported it rises and carries most of the process's CPU.
 */
import { describe, expect, it } from 'vitest';
import type { AdminStats } from '../../shared/rallies.ts';
import { syntheticJpeg } from '../support/images.ts';
import { ADMIN, useServers } from './safetyHelpers.ts';

const { start } = useServers();

async function ingest(url: string): Promise<AdminStats['ingest']> {
  const res = await fetch(`${url}/api/admin/stats`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return ((await res.json()) as AdminStats).ingest;
}

describe('ingest CPU', () => {
  it.runIf(process.platform === 'linux')(
    'rises with the image work and stays near nothing while idle',
    async () => {
      // Made before the server starts: this test runs in the server's process.
      const photos = await Promise.all(
        Array.from({ length: 24 }, (_, i) => syntheticJpeg(2400, 1800, i + 1)),
      );
      const s = await start({ DUPLICATE_CHECK: '0' });
      // Idle: a second and a half with nothing to do.
      await new Promise((r) => setTimeout(r, 1500));
      const idle = await ingest(s.url);

      let next = 0;
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          while (next < photos.length) {
            const form = new FormData();
            form.set('photo', new Blob([new Uint8Array(photos[next++]!)], { type: 'image/jpeg' }), 'p.jpg');
            const res = await fetch(`${s.url}/api/admin/import`, {
              method: 'POST',
              body: form,
              headers: ADMIN,
            });
            expect(res.status).toBe(201);
          }
        }),
      );
      const busy = await ingest(s.url);

      expect(idle.cpuPercent).not.toBeNull();
      expect(busy.cpuPercent).not.toBeNull();
      // The same window grew by the imports: the image threads' figure rose far above what they
      // did while idle, and they did most of the process's work, though not all of it (the main
      // thread parsed the requests and ran the JavaScript of each photo).
      expect(busy.cpuPercent!).toBeGreaterThan(4 * Math.max(idle.cpuPercent!, 1));
      expect(busy.cpuPercent!).toBeGreaterThan(busy.processCpuPercent / 2);
      expect(busy.cpuPercent!).toBeLessThan(busy.processCpuPercent);
      expect(idle.cpuPercent!).toBeLessThanOrEqual(idle.processCpuPercent + 1);
    },
  );
});
