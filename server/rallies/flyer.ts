import { existsSync, readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PageSizes, PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';
import QRCode from 'qrcode';
import type { FlyerSize, Rally } from '../../shared/rallies.ts';
import { FLYER_TEXT } from './flyerText.ts';

/** Noto Sans covers every script of the six languages; Debian's fonts-noto-core installs it. */
const NOTO = '/usr/share/fonts/truetype/noto/NotoSans-';
const HASHTAG = '#kiss4lgbtqrights';
const PINK = rgb(0xe4 / 255, 0, 0x7c / 255);
const INK = rgb(0.1, 0.1, 0.12);

async function fonts(doc: PDFDocument): Promise<{ bold: PDFFont; regular: PDFFont; unicode: boolean }> {
  if (existsSync(`${NOTO}Bold.ttf`) && existsSync(`${NOTO}Regular.ttf`)) {
    doc.registerFontkit(fontkit);
    return {
      bold: await doc.embedFont(readFileSync(`${NOTO}Bold.ttf`), { subset: true }),
      regular: await doc.embedFont(readFileSync(`${NOTO}Regular.ttf`), { subset: true }),
      unicode: true,
    };
  }
  return {
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    regular: await doc.embedFont(StandardFonts.Helvetica),
    unicode: false,
  };
}

/**
 * A printable flyer for a rally: the call in its language, its name, city and day, a QR
 * code to its contribute page (`contributeUrl`) and the hashtag. A4 or A3, portrait; every
 * length is a fraction of the page width, so A3 is A4 scaled.
 */
export async function rallyFlyer(rally: Rally, size: FlyerSize, contributeUrl: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`${HASHTAG} ${rally.name}`);
  doc.setLanguage(rally.language);
  const [w, h] = size === 'A3' ? PageSizes.A3 : PageSizes.A4;
  const page = doc.addPage([w, h]);
  const f = await fonts(doc);
  // Without a Unicode font, letters outside WinAnsi (Cyrillic) would throw: fall back to English.
  const say = (s: string) => (f.unicode || /^[\x20-\x7e\u00a0-\u00ff]*$/.test(s) ? s : '');
  const words = FLYER_TEXT[f.unicode ? rally.language : 'en'];
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
  centred(say(`${rally.city} · ${when}`) || rally.date, f.regular, 3, h - 28 * u);

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
