import { describe, expect, it } from 'vitest';
import { followsMosaic, keepKey, keysToDrop, pageBuild, refreshUrl } from '../../client/sw/screenCache.ts';

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
      '/api/mosaic/cells?col=0&row=0&cols=12&rows=12',
      '/api/mosaic/target.webp',
      '/api/rallies/london',
    ])
      expect(keepKey(O + path, O), path).toBe(O + path);
  });

  it('one copy of each block of cells, whatever seq it waited for', () => {
    const key = `${O}/api/mosaic/cells?col=0&row=0&cols=12&rows=12`;
    expect(keepKey(`${key}&min=18`, O)).toBe(key);
    expect(keepKey(`${O}/api/mosaic/cells?col=0&min=20&row=0&cols=12&rows=12`, O)).toBe(key);
    expect(keepKey(`${O}/api/mosaic/cells?col=12&row=0&cols=12&rows=12&min=20`, O)).not.toBe(key);
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

describe("the screen's offline copy, brought up to date", () => {
  it('asks again for what says what the mosaic holds: the page, its description, view, snapshot and cells', () => {
    for (const path of [
      '/screen?event=london',
      '/screen?event=lisbon&lang=pt-BR',
      '/api/mosaic',
      '/api/mosaic/view',
      '/api/mosaic/snapshot',
      '/api/mosaic/cells?col=0&row=0&cols=12&rows=12',
    ])
      expect(followsMosaic(O + path, O), path).toBe(true);
    for (const path of [
      '/api/atlas/0/3.webp',
      '/api/mosaic/pyramid/2/1_0.webp',
      '/api/mosaic/target.webp',
      '/assets/screen-BtJ4hMkD.js',
      '/api/rallies/london',
    ])
      expect(followsMosaic(O + path, O), path).toBe(false);
    expect(followsMosaic('https://elsewhere.example/api/mosaic/view', O)).toBe(false);
  });

  it('of the kept screen pages, only the one that asks; the mosaic-wide answers for any', () => {
    const london = keepKey(`${O}/screen?event=london#top`, O);
    expect(london).toBe(`${O}/screen?event=london`);
    expect(followsMosaic(`${O}/screen?event=london`, O, london)).toBe(true);
    expect(followsMosaic(`${O}/screen?event=lisbon&lang=pt-BR`, O, london)).toBe(false);
    expect(followsMosaic(`${O}/screen`, O, london)).toBe(false);
    expect(followsMosaic(`${O}/api/mosaic/view`, O, london)).toBe(true);
    expect(followsMosaic(`${O}/api/mosaic/cells?col=0&row=0&cols=12&rows=12`, O, london)).toBe(true);
  });

  it('the view, the cells and the screen page at the seq the screen shows or later; the rest as kept', () => {
    expect(refreshUrl(`${O}/api/mosaic/view`, 20)).toBe(`${O}/api/mosaic/view?min=20`);
    expect(refreshUrl(`${O}/api/mosaic/cells?col=0&row=0&cols=12&rows=12`, 20)).toBe(
      `${O}/api/mosaic/cells?col=0&row=0&cols=12&rows=12&min=20`,
    );
    // The screen page carries the view start inline (pyramid mode): at that seq too.
    expect(refreshUrl(`${O}/screen?event=london`, 20)).toBe(`${O}/screen?event=london&min=20`);
    expect(refreshUrl(`${O}/api/mosaic`, 20)).toBe(`${O}/api/mosaic`);
  });

  it('over its cap, drops pictures and blocks of cells first, oldest first, and the page and its files last', () => {
    const page = `${O}/screen?event=london`;
    const js = `${O}/assets/screen-BtJ4hMkD.js`;
    const view = `${O}/api/mosaic/view`;
    const parts = [
      `${O}/api/mosaic/pyramid/0/0_0.webp`,
      `${O}/api/atlas/1/2.webp`,
      `${O}/api/mosaic/cells?col=0&row=0&cols=12&rows=12`,
      `${O}/api/mosaic/pyramid/1/0_0.webp`,
    ];
    const kept = [page, js, view, ...parts];
    expect(keysToDrop(kept, 7)).toEqual([]);
    expect(keysToDrop(kept, 5)).toEqual(parts.slice(0, 2));
    expect(keysToDrop(kept, 3)).toEqual(parts);
    // Only where nothing else is left do the page's own go, oldest first.
    expect(keysToDrop(kept, 1)).toEqual([...parts, page, js]);
  });

  it('tells two copies of a page of the same build from one of another by the built files they load', () => {
    const page = (js: string, view: string) =>
      `<link rel="stylesheet" href="/assets/header-C9rPML1b.css"><script type="module" src="/assets/${js}"></script><script type="application/json" id="kiss-view">${view}</script>`;
    expect(pageBuild(page('screen-BtJ4hMkD.js', '{"seq":18}'))).toBe(
      pageBuild(page('screen-BtJ4hMkD.js', '{"seq":20}')),
    );
    expect(pageBuild(page('screen-BtJ4hMkD.js', '{"seq":18}'))).not.toBe(
      pageBuild(page('screen-Xx81aQ0p.js', '{"seq":18}')),
    );
    expect(pageBuild(page('screen-BtJ4hMkD.js', ''))).toBe(
      '/assets/header-C9rPML1b.css /assets/screen-BtJ4hMkD.js',
    );
  });
});
