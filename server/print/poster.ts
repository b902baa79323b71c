import { rm } from 'node:fs/promises';
import { rgb } from 'pdf-lib';
import { HASHTAG, mmToPt } from '../../shared/print.ts';
import type { MosaicPort } from '../core/port.ts';
import type { Target } from '../ingest/target.ts';
import { centredText, fitSize, newPrintDoc } from './pdfBasics.ts';
import type { PosterLayout } from './posterLayout.ts';
import { writePoster } from './posterRaster.ts';
import { StreamedJpeg } from './streamedJpeg.ts';

/** The page behind the picture: the campaign's near-black, to the edge of the bleed. */
const PAPER = rgb(0.07, 0.07, 0.09);

export interface PosterJob {
  service: MosaicPort;
  target: Target;
  layout: PosterLayout;
  dpi: number;
  caption: string | null;
  /** Where to write the file. */
  out: string;
  /** A scratch path for the PDF's JPEG (the PDF only). */
  scratch?: string;
}

/**
 * Writes the poster as a PNG or TIFF of the picture alone, its resolution set to the dpi and
 * tagged sRGB (our own render's profile; no contributor's metadata ever reaches it).
 */
export async function writePosterImage(job: PosterJob, format: 'png' | 'tiff'): Promise<void> {
  const perMm = job.dpi / 25.4;
  await writePoster(job.service, job.target, job.layout, (picture) => {
    const p = picture.withIccProfile('srgb').withDensity(job.dpi);
    return (
      format === 'png'
        ? p.png({ compressionLevel: 6 })
        : p.tiff({
            compression: 'lzw',
            predictor: 'horizontal',
            xres: perMm,
            yres: perMm,
            resolutionUnit: 'inch',
          })
    ).toFile(job.out);
  });
}

/**
 * Writes the poster as a print-ready PDF: a page of the asked size plus bleed (MediaBox,
 * BleedBox, TrimBox), the mosaic as one JPEG at exactly the dpi, the hashtag and the caption
 * in DejaVu Sans, and an sRGB output intent. The JPEG goes from sharp's strips to a scratch
 * file and from there into the PDF file, never whole in memory (see StreamedJpeg).
 */
export async function writePosterPdf(job: PosterJob & { scratch: string }): Promise<void> {
  const { layout } = job;
  try {
    await writePoster(job.service, job.target, layout, (picture) =>
      // No Huffman optimisation: it keeps every coefficient of the picture in memory (~6 bytes a
      // pixel at 4:4:4, 0.9 GB for A0 at 300 dpi) for a file a few per cent smaller.
      picture.jpeg({ quality: 90, chromaSubsampling: '4:4:4', optimiseCoding: false }).toFile(job.scratch),
    );
    const { doc, regular, bold, drawable } = await newPrintDoc(`${HASHTAG} poster`);
    const page = doc.addPage([mmToPt(layout.page.width), mmToPt(layout.page.height)]);
    const box = (r: { x: number; y: number; width: number; height: number }) =>
      [mmToPt(r.x), mmToPt(r.y), mmToPt(r.width), mmToPt(r.height)] as const;
    page.setBleedBox(0, 0, mmToPt(layout.page.width), mmToPt(layout.page.height));
    page.setTrimBox(...box(layout.trim));
    page.drawRectangle({ x: 0, y: 0, width: page.getWidth(), height: page.getHeight(), color: PAPER });
    const jpeg = await StreamedJpeg.reserve(doc, job.scratch);
    const [x, y, width, height] = box(layout.image);
    jpeg.draw(page, { x, y, width, height });
    const mid = layout.page.width / 2;
    const textW = layout.trim.width * 0.9;
    const white = rgb(1, 1, 1);
    centredText(
      page,
      bold,
      HASHTAG,
      mid,
      layout.hashtag.y,
      fitSize(bold, HASHTAG, textW, layout.hashtag.size),
      white,
    );
    const caption = job.caption && drawable(job.caption);
    if (layout.caption && caption) {
      const size = fitSize(regular, caption, textW, layout.caption.size);
      centredText(page, regular, caption, mid, layout.caption.y, size, rgb(0.85, 0.85, 0.88));
    }
    await jpeg.save(job.out);
  } finally {
    await rm(job.scratch, { force: true });
  }
}
