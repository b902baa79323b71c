import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFName, PDFRawStream } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../server/config.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { Target } from '../../server/ingest/target.ts';
import { posterLayout } from '../../server/print/posterLayout.ts';
import { writePoster } from '../../server/print/posterRaster.ts';
import { stickerGrid } from '../../server/print/stickersPdf.ts';
import { wallmapPages } from '../../server/print/wallmapPdf.ts';
import { mmToPt } from '../../shared/print.ts';
import { meanAbsDiff, syntheticJpeg } from '../support/images.ts';
import { outputIntents, pngDpi, readPdf, tiffDpi } from '../support/pdf.ts';
import { startServer, type TestServer } from '../support/server.ts';

const ADMIN_TOKEN = 'print-admin-token-0123456789';
const COLS = 8;
const ROWS = 6;
const N = 14;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('poster, sticker sheets and wall map', () => {
  let s: TestServer;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.url}${path}`, { headers });
  const bytes = async (r: Response) => Buffer.from(await r.arrayBuffer());

  beforeAll(async () => {
    s = await startServer({ ADMIN_TOKEN, MOSAIC_COLS: String(COLS), MOSAIC_ROWS: String(ROWS) });
    for (let i = 0; i < N; i++)
      await s.app.service.add(await ingestPhoto(await syntheticJpeg(400, 300, i * 13 + 5)), {
        event: null,
        phash: null,
      });
  }, 60_000);
  afterAll(() => s.destroy());

  it("prints the poster's caption in its own script, leaving out what the font cannot draw", async () => {
    const text = async (caption: string) => {
      const res = await get(`/api/mosaic/poster.pdf?size=A4&caption=${encodeURIComponent(caption)}`);
      expect(res.status).toBe(200);
      const file = join(s.dataDir, `caption-${Date.now()}.pdf`);
      writeFileSync(file, await bytes(res));
      return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    };
    expect(await text('Любовь — amor')).toContain('Любовь — amor');
    const kiss = await text('💋 Kiss-in Berlin 💋 ♥');
    expect(kiss).toContain('Kiss-in Berlin ♥');
    expect(kiss).not.toMatch(/[\u{1F48B}\uFFFD]/u);
  });

  it('makes an A4 poster PDF with bleed: page size in points, one image at 150 dpi, sRGB output intent', async () => {
    const res = await get('/api/mosaic/poster.pdf?size=A4&dpi=150&bleed=3&caption=Любовь%20—%20amor');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = await readPdf(await bytes(res));
    // 8x6 is wide, so auto turns A4 to landscape: 297 x 210 mm plus 3 mm each side.
    expect(pdf.pages).toHaveLength(1);
    expect(pdf.pages[0]!.width).toBeCloseTo(mmToPt(303), 2);
    expect(pdf.pages[0]!.height).toBeCloseTo(mmToPt(216), 2);
    const page = pdf.doc.getPage(0);
    expect(page.getTrimBox()).toMatchObject({
      x: expect.closeTo(mmToPt(3), 2),
      width: expect.closeTo(mmToPt(297), 2),
    });
    const layout = posterLayout({ size: 'A4', dpi: 150, bleed: 3, orient: 'auto', caption: 'x' }, COLS, ROWS);
    expect(pdf.images).toEqual([{ ...layout.px, filter: '/DCTDecode' }]);
    expect(res.headers.get('x-poster-pixels')).toBe(`${layout.px.width}x${layout.px.height}`);
    expect(layout.px.width / COLS).toBe(layout.cellPx);
    // Drawn at exactly 150 dpi.
    expect(layout.image.width).toBeCloseTo((layout.px.width / 150) * 25.4, 6);
    expect(outputIntents(pdf.doc)).toEqual([
      ['/GTS_PDFX', 3],
      ['/GTS_PDFA1', 3],
    ]);
    // The image's bytes (streamed into the file after pdf-lib's part) are the poster's JPEG: the
    // same picture as poster.png of the same size.
    const [stream] = [...pdf.doc.context.enumerateIndirectObjects()]
      .map(([, o]) => o)
      .filter(
        (o): o is PDFRawStream =>
          o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'),
      );
    const jpeg = Buffer.from(stream!.contents);
    expect(stream!.dict.get(PDFName.of('Length'))?.toString()).toBe(String(jpeg.length));
    const m = await sharp(jpeg).metadata();
    expect([m.format, m.width, m.height]).toEqual(['jpeg', layout.px.width, layout.px.height]);
    const png = await bytes(await get('/api/mosaic/poster.png?size=A4&dpi=150&bleed=3'));
    const small = (b: Buffer) => sharp(b).resize(48, 48, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const [x, y] = await Promise.all([small(jpeg), small(png)]);
    expect(meanAbsDiff(x!, y!)).toBeLessThan(2);
  });

  it('turns and sizes custom posters: portrait, <W>x<H>mm', async () => {
    const r = await readPdf(await bytes(await get('/api/mosaic/poster.pdf?size=A3&orient=portrait')));
    expect(r.pages[0]!.width).toBeCloseTo(mmToPt(297), 2);
    expect(r.pages[0]!.height).toBeCloseTo(mmToPt(420), 2);
    const c = await readPdf(await bytes(await get('/api/mosaic/poster.pdf?size=500x300mm&dpi=150')));
    expect(c.pages[0]!.width).toBeCloseTo(mmToPt(500), 2);
    expect(c.pages[0]!.height).toBeCloseTo(mmToPt(300), 2);
  });

  it('writes the dpi into poster.png and poster.tiff, and serves the cached file until the mosaic changes', async () => {
    const a = await get('/api/mosaic/poster.png?size=A4&dpi=300');
    expect(a.status).toBe(200);
    const png = await bytes(a);
    expect(pngDpi(png)).toBe(300);
    const meta = await sharp(png).metadata();
    const layout = posterLayout(
      { size: 'A4', dpi: 300, bleed: 0, orient: 'auto', caption: null },
      COLS,
      ROWS,
    );
    expect([meta.width, meta.height]).toEqual([layout.px.width, layout.px.height]);
    const t0 = Date.now();
    const again = await bytes(await get('/api/mosaic/poster.png?size=A4&dpi=300'));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(again.equals(png)).toBe(true);
    const tiff = await get('/api/mosaic/poster.tiff?size=A4&dpi=150');
    expect(tiff.headers.get('content-type')).toBe('image/tiff');
    expect(tiffDpi(await bytes(tiff))).toBe(150);
  });

  it('refuses bad print options with 400 BAD_PRINT_OPTIONS', async () => {
    for (const q of [
      'size=B5',
      'size=10x10mm',
      'dpi=600',
      'bleed=50',
      'bleed=abc',
      'orient=sideways',
      `caption=${'x'.repeat(200)}`,
      'colour=red',
      'size=2000x2000mm&dpi=300',
    ]) {
      const r = await get(`/api/mosaic/poster.pdf?${q}`);
      expect(r.status, q).toBe(400);
      expect((await r.json()).error.code, q).toBe('BAD_PRINT_OPTIONS');
    }
    for (const q of ['paper=A3', 'tile=5', 'from=-1', 'limit=0']) {
      const r = await get(`/api/admin/stickers.pdf?${q}`, auth);
      expect(r.status, q).toBe(400);
      expect((await r.json()).error.code).toBe('BAD_PRINT_OPTIONS');
    }
    expect((await get('/api/admin/wallmap.pdf?cell=2', auth)).status).toBe(400);
    expect((await get('/api/admin/stickers.pdf')).status).toBe(401);
    expect((await get('/api/admin/wallmap.pdf')).status).toBe(401);
  });

  it('prints stickers in arrival order with labels, continues a run with from, and splits the wall map', async () => {
    const res = await get('/api/admin/stickers.pdf?paper=A4&tile=40', auth);
    expect(res.status).toBe(200);
    const g = stickerGrid('A4', 40);
    const pdf = await readPdf(await bytes(res));
    expect(pdf.pages).toHaveLength(Math.ceil(N / (g.across * g.down)));
    expect(pdf.pages[0]!.width).toBeCloseTo(mmToPt(210), 2);
    expect(pdf.images).toHaveLength(N);
    const px = Math.round((40 / 25.4) * 300);
    expect(pdf.images.every((i) => i.width === px && i.height === px)).toBe(true);
    const last = s.app.mosaic.placements().at(-1)!.id;
    expect(res.headers.get('x-next-from')).toBe(String(last + 1));
    expect(res.headers.get('x-remaining')).toBe('0');

    const ids = s.app.mosaic.placements().map((p) => p.id);
    const part = await get(`/api/admin/stickers.pdf?paper=Letter&tile=30&from=${ids[3]}&limit=5`, auth);
    expect(part.headers.get('x-sticker-count')).toBe('5');
    expect(part.headers.get('x-next-from')).toBe(String(ids[8]));
    expect(part.headers.get('x-remaining')).toBe(String(N - 8));
    const letter = await readPdf(await bytes(part));
    expect(letter.pages[0]!.width).toBeCloseTo(mmToPt(215.9), 2);
    expect(letter.images).toHaveLength(5);

    const map = await get('/api/admin/wallmap.pdf?paper=A4&cell=30', auth);
    const w = wallmapPages('A4', 30, COLS, ROWS);
    expect(w.pages).toBeGreaterThan(1);
    expect((await readPdf(await bytes(map))).pages).toHaveLength(w.pages);
    expect(map.headers.get('x-page-count')).toBe(String(w.pages));
  });

  it('leaves a deleted tile out of the next poster and the next stickers', async () => {
    const q = '/api/mosaic/poster.png?size=A4&dpi=150';
    const layout = posterLayout(
      { size: 'A4', dpi: 150, bleed: 0, orient: 'auto', caption: null },
      COLS,
      ROWS,
    );
    const px = layout.cellPx;
    const victim = s.app.mosaic.placements()[0]!;
    const cell = async (png: Buffer) =>
      sharp(png)
        .extract({ left: victim.col * px + 4, top: victim.row * px + 4, width: px - 8, height: px - 8 })
        .raw()
        .toBuffer();
    const before = await cell(await bytes(await get(q)));
    expect(await s.app.mosaic.remove(victim.id)).toBe(true);
    const after = await cell(await bytes(await get(q)));
    let diff = 0;
    for (let i = 0; i < before.length; i++) diff += Math.abs(before[i]! - after[i]!);
    expect(diff / before.length).toBeGreaterThan(5);
    // The empty cell shows the dimmed target: darker than the photo that was there.
    const mean = (b: Buffer) => b.reduce((a, v) => a + v, 0) / b.length;
    expect(mean(after)).toBeLessThan(mean(before));
    const stickers = await readPdf(await bytes(await get('/api/admin/stickers.pdf', auth)));
    expect(stickers.images).toHaveLength(N - 1);
  });
});

describe('the poster raster', () => {
  it('joins strips into exactly the picture drawn in one strip', async () => {
    const s = await startServer({ MOSAIC_COLS: '6', MOSAIC_ROWS: '5' });
    try {
      for (let i = 0; i < 9; i++)
        await s.app.service.add(await ingestPhoto(await syntheticJpeg(300, 300, i * 7 + 2)), {
          event: null,
          phash: null,
        });
      const layout = { px: { width: 6 * 20, height: 5 * 20 }, cellPx: 20 };
      const draw = async (stripBytes: number) => {
        let out: Buffer | null = null;
        await writePoster(
          s.app.mosaic,
          await Target.open(readConfig({}).targetPath),
          layout,
          async (p) => {
            out = await p.raw().toBuffer();
          },
          stripBytes,
        );
        return out!;
      };
      // 2 cell rows a strip: three strips joined.
      const joined = await draw(6 * 20 * 20 * 3 * 2);
      const whole = await draw(64 * 1024 * 1024);
      expect(joined.length).toBe(6 * 20 * 5 * 20 * 3);
      expect(joined.equals(whole)).toBe(true);
    } finally {
      await s.destroy();
    }
  });
});
