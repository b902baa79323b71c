import { existsSync, readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PageSizes, PDFDocument, type PDFFont, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import type { FlyerSize, Rally } from '../../shared/rallies.ts';
import { drawable, glyphTest } from '../print/drawable.ts';
import { fontFile } from '../print/fontFile.ts';
import { FLYER_TEXT } from './flyerText.ts';

/** Noto Sans, where Debian's fonts-noto-core installs it: the flyer's face. */
export const NOTO = '/usr/share/fonts/truetype/noto/NotoSans-';
const HASHTAG = '#kiss4lgbtqrights';
const PINK = rgb(0xe4 / 255, 0, 0x7c / 255);
const INK = rgb(0.1, 0.1, 0.12);

/** The weights' files and which letters they draw, read and parsed once per font folder. */
const faces = new Map<string, { bold: Buffer; regular: Buffer; has: (cp: number) => boolean }>();

/**
 * The flyer's two weights: Noto Sans where it is installed, else DejaVu Sans, which comes with
 * the project (dejavu-fonts-ttf). Both hold the Latin and Cyrillic letters of the six languages,
 * so every rally's flyer speaks its own language and prints its name, wherever the server runs.
 */
async function fonts(
  doc: PDFDocument,
  noto: string,
): Promise<{ bold: PDFFont; regular: PDFFont; has: (cp: number) => boolean }> {
  let face = faces.get(noto);
  if (!face) {
    const [bold, regular] = (
      existsSync(`${noto}Bold.ttf`) && existsSync(`${noto}Regular.ttf`)
        ? [`${noto}Bold.ttf`, `${noto}Regular.ttf`]
        : [fontFile(true), fontFile(false)]
    ).map((f) => readFileSync(f)) as [Buffer, Buffer];
    face = { bold, regular, has: glyphTest([bold, regular]) };
    faces.set(noto, face);
  }
  doc.registerFontkit(fontkit);
  return {
    bold: await doc.embedFont(face.bold, { subset: true }),
    regular: await doc.embedFont(face.regular, { subset: true }),
    has: face.has,
  };
}

/**
 * A printable flyer for a rally: the call in its language, its name, city and day, a QR
 * code to its contribute page (`contributeUrl`) and the hashtag. A4 or A3, portrait; every
 * length is a fraction of the page width, so A3 is A4 scaled. `noto`: where Noto Sans's files
 * would be (a path prefix), else DejaVu Sans sets the text.
 */
export async function rallyFlyer(
  rally: Rally,
  size: FlyerSize,
  contributeUrl: string,
  noto = NOTO,
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`${HASHTAG} ${rally.name}`);
  doc.setLanguage(rally.language);
  const [w, h] = size === 'A3' ? PageSizes.A3 : PageSizes.A4;
  const page = doc.addPage([w, h]);
  const f = await fonts(doc, noto);
  const words = FLYER_TEXT[rally.language];
  // What an organiser typed may hold letters neither weight draws: left out.
  const say = (text: string) => drawable(text, f.has);
  const u = w / 100;

  const centred = (text: string, font: PDFFont, pt: number, y: number, color = INK) => {
    let s = pt * u;
    while (s > 6 && font.widthOfTextAtSize(text, s) > w - 16 * u) s *= 0.95;
    page.drawText(text, { x: (w - font.widthOfTextAtSize(text, s)) / 2, y, size: s, font, color });
  };

  page.drawRectangle({ x: 0, y: h - 3 * u, width: w, height: 3 * u, color: PINK });
  centred(words.call, f.bold, 5.2, h - 14 * u);
  centred(say(rally.name), f.bold, 4, h - 22 * u, PINK);
  const when = new Intl.DateTimeFormat(rally.language, { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${rally.date}T00:00:00Z`),
  );
  centred(say(`${rally.city} · ${when}`), f.regular, 3, h - 28 * u);

  const png = await QRCode.toBuffer(contributeUrl, { margin: 1, width: 1024, errorCorrectionLevel: 'M' });
  const qr = await doc.embedPng(png);
  const side = 62 * u;
  const qrTop = h - 34 * u;
  page.drawImage(qr, { x: (w - side) / 2, y: qrTop - side, width: side, height: side });
  centred(words.scan, f.regular, 2.6, qrTop - side - 6 * u);
  centred(contributeUrl, f.regular, 2.2, qrTop - side - 11 * u, PINK);
  centred(HASHTAG, f.bold, 7, qrTop - side - 24 * u, PINK);
  centred(words.kept, f.regular, 2, 8 * u);
  page.drawRectangle({ x: 0, y: 0, width: w, height: 3 * u, color: PINK });
  return doc.save();
}
