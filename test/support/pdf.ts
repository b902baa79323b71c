import { type PDFDict, PDFDocument, PDFName, type PDFNumber, PDFRawStream } from 'pdf-lib';

/** A PDF read back with pdf-lib: its pages' sizes in points and its embedded images' pixel sizes. */
export interface ReadPdf {
  doc: PDFDocument;
  pages: { width: number; height: number }[];
  images: { width: number; height: number; filter: string }[];
}

/** Loads a PDF and lists what the print tests check. */
export async function readPdf(bytes: Uint8Array | ArrayBuffer): Promise<ReadPdf> {
  const doc = await PDFDocument.load(bytes);
  const images: ReadPdf['images'] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream)) continue;
    const d = obj.dict;
    if (d.get(PDFName.of('Subtype')) !== PDFName.of('Image')) continue;
    const n = (k: string) => (d.get(PDFName.of(k)) as PDFNumber).asNumber();
    images.push({ width: n('Width'), height: n('Height'), filter: String(d.get(PDFName.of('Filter'))) });
  }
  return { doc, pages: doc.getPages().map((p) => p.getSize()), images };
}

/** The catalog's output intents as [subtype, N of the profile] pairs. */
export function outputIntents(doc: PDFDocument): [string, number][] {
  const list = doc.catalog.lookup(PDFName.of('OutputIntents'));
  if (!list || !('asArray' in list)) return [];
  return (list as unknown as { asArray(): unknown[] }).asArray().map((ref) => {
    const intent = doc.context.lookup(ref as never) as PDFDict;
    const profile = doc.context.lookup(intent.get(PDFName.of('DestOutputProfile')) as never) as PDFRawStream;
    return [String(intent.get(PDFName.of('S'))), (profile.dict.get(PDFName.of('N')) as PDFNumber).asNumber()];
  });
}

/** The dpi a PNG's pHYs chunk says, or null without one. */
export function pngDpi(png: Buffer): number | null {
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'pHYs') {
      const perMetre = png.readUInt32BE(at + 8);
      return png[at + 16] === 1 ? Math.round(perMetre * 0.0254) : null;
    }
    if (type === 'IDAT') return null;
    at += 12 + len;
  }
  return null;
}

/** The XResolution of a TIFF's first image in dots per inch (read from its tags by hand). */
export function tiffDpi(tiff: Buffer): number | null {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  let xres: number | null = null;
  let unit = 2;
  for (let i = 0; i < u16(ifd); i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    if (tag === 282) {
      const off = u32(e + 8);
      xres = u32(off) / u32(off + 4);
    }
    if (tag === 296) unit = u16(e + 8);
  }
  if (xres === null) return null;
  return Math.round(unit === 3 ? xres * 2.54 : xres);
}
