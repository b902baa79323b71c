import { describe, expect, it } from 'vitest';
import { keepKey } from '../../client/sw/screenCache.ts';

const O = 'https://kiss.example';

describe("the screen's offline cache keeps", () => {
  it('the screen page per rally, the built assets and the mosaic view, under their own address', () => {
    for (const path of [
      '/screen?event=london',
      '/screen',
      '/assets/screen-BtJ4hMkD.js',
      '/assets/header-C9rPML1b.css',
      '/api/mosaic',
      '/api/mosaic/view',
      '/api/mosaic/snapshot',
      '/api/mosaic/cells',
      '/api/mosaic/target.webp',
      '/api/rallies/london',
    ])
      expect(keepKey(O + path, O), path).toBe(O + path);
  });

  it('one copy of each atlas block and pyramid tile, whatever its version', () => {
    expect(keepKey(`${O}/api/atlas/0/3.webp?v=35`, O)).toBe(`${O}/api/atlas/0/3.webp`);
    expect(keepKey(`${O}/api/atlas/0/3.webp?v=36`, O)).toBe(`${O}/api/atlas/0/3.webp`);
    expect(keepKey(`${O}/api/mosaic/pyramid/2/1_0.webp?v=9`, O)).toBe(`${O}/api/mosaic/pyramid/2/1_0.webp`);
  });

  it("no tile's photo, no export, nothing of the admin or the other pages, and nothing of another site", () => {
    for (const path of [
      '/tiles/21/128.webp',
      '/tiles/21/32.webp',
      '/t/21',
      '/api/tiles/21',
      '/api/mosaic/export.png',
      '/api/mosaic/poster.pdf',
      '/api/mosaic/export_files/3/0_0.webp',
      '/api/admin/stats',
      '/admin',
      '/add?event=london',
      '/api/rallies/london/flyer.pdf?size=A4',
      '/',
      '/screen-sw.js',
      '/socket.io/?EIO=4&transport=polling',
    ])
      expect(keepKey(O + path, O), path).toBeNull();
    expect(keepKey('https://elsewhere.example/api/mosaic', O)).toBeNull();
  });
});
