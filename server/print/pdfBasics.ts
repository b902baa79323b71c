import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, type PDFFont, PDFName, type PDFPage, PDFString, rgb } from 'pdf-lib';
import { mmToPt } from '../../shared/print.ts';
import { sharp } from '../ingest/sharp.ts';
import { drawable, glyphTest } from './drawable.ts';
import { fontFile } from './fontFile.ts';

let fonts: Promise<{ regular: Uint8Array; bold: Uint8Array; has: (cp: number) => boolean }> | null = null;
let srgb: Promise<Buffer> | null = null;

/**
 * The sRGB ICC profile that libvips ships (inside sharp's own binaries): taken from a one-pixel
 * JPEG that sharp tags with it, so no profile file of any contributor's is ever involved.
 */
export function srgbProfile(): Promise<Buffer> {
  srgb ??= (async () => {
    const jpeg = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .withIccProfile('srgb')
      .jpeg()
      .toBuffer();
    const icc = (await sharp(jpeg).metadata()).icc;
    if (!icc) throw new Error('sharp gave no sRGB profile');
    return icc;
  })();
  return srgb;
}

/**
 * A new PDF with its fonts embedded (subset), its metadata and an sRGB output intent.
 * `drawable` gives text typed by a person (a caption) as both weights can print it.
 */
export async function newPrintDoc(
  title: string,
): Promise<{ doc: PDFDocument; regular: PDFFont; bold: PDFFont; drawable: (text: string) => string }> {
  fonts ??= Promise.all([readFile(fontFile(false)), readFile(fontFile(true))]).then(([regular, bold]) => ({
    regular,
    bold,
    has: glyphTest([regular, bold]),
  }));
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = await fonts;
  const [regular, bold] = await Promise.all([
    doc.embedFont(f.regular, { subset: true }),
    doc.embedFont(f.bold, { subset: true }),
  ]);
  doc.setTitle(title);
  doc.setCreator('kiss-in mosaic');
  doc.setProducer('kiss-in mosaic (pdf-lib)');
  const ctx = doc.context;
  const profile = ctx.register(ctx.flateStream(await srgbProfile(), { N: 3 }));
  const intent = (s: string) =>
    ctx.obj({
      Type: 'OutputIntent',
      S: s,
      OutputConditionIdentifier: PDFString.of('sRGB IEC61966-2.1'),
      RegistryName: PDFString.of('http://www.color.org'),
      Info: PDFString.of('sRGB IEC61966-2.1'),
      DestOutputProfile: profile,
    });
  doc.catalog.set(PDFName.of('OutputIntents'), ctx.obj([intent('GTS_PDFX'), intent('GTS_PDFA1')]));
  return { doc, regular, bold, drawable: (text) => drawable(text, f.has) };
}

/** Writes `text` centred on x (mm), its baseline at y (mm), at `size` mm of em. */
export function centredText(
  page: PDFPage,
  font: PDFFont,
  text: string,
  x: number,
  y: number,
  size: number,
  colour = rgb(0, 0, 0),
): void {
  const pt = mmToPt(size);
  const w = font.widthOfTextAtSize(text, pt);
  page.drawText(text, { x: mmToPt(x) - w / 2, y: mmToPt(y), size: pt, font, color: colour });
}

/** The largest size (mm of em) at which `text` fits `width` mm, up to `max`. */
export function fitSize(font: PDFFont, text: string, width: number, max: number): number {
  const at1 = font.widthOfTextAtSize(text, mmToPt(1));
  return Math.min(max, mmToPt(width) / Math.max(at1, 1e-6));
}
